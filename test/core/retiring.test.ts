// status.retiring after a promotion: the new stable leaves it, the old one joins it last with
// its delay, and scaleDownDelayRevisionLimit makes the oldest beyond the limit due at once.
import { describe, expect, it } from 'vitest';
import { retireOld } from '../../functions/core/retiring.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { JsonObject, RolloutSpec } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';

const now = '2026-12-06T10:00:00.000Z';
const later = '2026-12-06T10:00:30.000Z';

function specWith(canary: JsonObject): RolloutSpec {
  const parsed = parseRollout(aRollout().canary(canary).build());
  if (!parsed.spec) throw new Error(parsed.specErrors.join('; '));
  return parsed.spec;
}

const waiting = [
  { podTemplateHash: 'a', scaleDownAt: '2026-12-06T10:00:10.000Z' },
  { podTemplateHash: 'b', scaleDownAt: '2026-12-06T10:00:20.000Z' },
];

describe('retireOld', () => {
  it('without a limit every old revision waits its delay, newest last', () => {
    const spec = specWith({});
    expect(retireOld(spec, waiting, { hash: 'd', old: 'c', now })).toEqual([
      ...waiting,
      { podTemplateHash: 'c', scaleDownAt: later },
    ]);
  });

  it('with a limit of 1 the older ones are due now, the newest keeps its delay', () => {
    const spec = specWith({ scaleDownDelayRevisionLimit: 1 });
    expect(retireOld(spec, waiting, { hash: 'd', old: 'c', now })).toEqual([
      { podTemplateHash: 'a', scaleDownAt: now },
      { podTemplateHash: 'b', scaleDownAt: now },
      { podTemplateHash: 'c', scaleDownAt: later },
    ]);
  });

  it('with a limit of 0 the old stable is due at once', () => {
    const spec = specWith({ scaleDownDelayRevisionLimit: 0 });
    expect(retireOld(spec, [], { hash: 'd', old: 'c', now })).toEqual([
      { podTemplateHash: 'c', scaleDownAt: now },
    ]);
  });

  it('drops the new stable from the list and never lists a revision twice', () => {
    const spec = specWith({ scaleDownDelayRevisionLimit: 5 });
    expect(retireOld(spec, waiting, { hash: 'a', old: 'b', now })).toEqual([
      { podTemplateHash: 'b', scaleDownAt: later },
    ]);
  });

  it('keeps an entry already due earlier than now as it is', () => {
    const spec = specWith({ scaleDownDelayRevisionLimit: 1 });
    const past = { podTemplateHash: 'a', scaleDownAt: '2026-12-06T09:59:00.000Z' };
    expect(retireOld(spec, [past], { hash: 'd', old: 'c', now })[0]).toEqual(past);
  });
});
