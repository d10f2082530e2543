// Deterministic ids: SHA-1/UUIDv5 agree with node:crypto, ids and chain ids are stable and distinct.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CDEVENT_TYPES,
  KULTA_UUID_NAMESPACE,
  deriveChainId,
  deriveEventId,
  rolloutWeightChanged,
  serviceUpgraded,
  sha1,
  uuidV5,
} from '../../../functions/core/cdevents/index.ts';
import { UID, anInput, everyEvent } from './fixtures.ts';

/** Reference UUIDv5 on node:crypto (RFC 9562 §5.5). */
function referenceUuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1')
    .update(Buffer.concat([ns, Buffer.from(name, 'utf8')]))
    .digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sha1 and uuidV5', () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['55 bytes (one block with length)', 55],
    ['56 bytes (length spills into a second block)', 56],
    ['64 bytes (exactly one block)', 64],
    ['1000 bytes', 1000],
  ])('sha1 of %s matches node:crypto', (_name, length) => {
    const message = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
    expect(Buffer.from(sha1(message)).toString('hex')).toBe(
      createHash('sha1').update(message).digest('hex'),
    );
  });

  it.each([
    [
      'RFC 9562 example (www.example.com in DNS)',
      '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      'www.example.com',
    ],
    ['non-ASCII name', URL_NAMESPACE, 'https://kulta.io/ünïcødé/🚀'],
    ['KULTA namespace', KULTA_UUID_NAMESPACE, 'event/uid/1/type'],
  ])('uuidV5: %s matches a node:crypto reference', (_name, namespace, name) => {
    expect(uuidV5(namespace, name)).toBe(referenceUuidV5(namespace, name));
  });

  it('matches the RFC 9562 test vector', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('derives the KULTA namespace from the URL namespace and https://kulta.io/cdevents', () => {
    expect(KULTA_UUID_NAMESPACE).toBe(uuidV5(URL_NAMESPACE, 'https://kulta.io/cdevents'));
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidV5('kulta', 'x')).toThrow('not a UUID: "kulta"');
  });
});

describe('deriveEventId', () => {
  const base = { rolloutUid: UID, counter: 3, type: CDEVENT_TYPES.serviceUpgraded };

  it('is a version-5 UUID and the same for the same identity', () => {
    expect(deriveEventId(base)).toMatch(UUID_V5);
    expect(deriveEventId({ ...base })).toBe(deriveEventId(base));
  });

  it.each([
    ['another rollout uid', { rolloutUid: 'a6f1c6d1-0000-4000-8000-000000000000' }],
    ['the next transition', { counter: 4 }],
    ['another event type', { type: CDEVENT_TYPES.serviceDeployed }],
    ['a key (second AnalysisRun in one transition)', { key: 'checkout-run-2' }],
  ])('changes with %s', (_name, change) => {
    expect(deriveEventId({ ...base, ...change })).not.toBe(deriveEventId(base));
  });
});

describe('deriveChainId', () => {
  it.each([
    ['another revision', UID, 'other-hash'],
    ['another rollout', '11111111-2222-4333-8444-555555555555', '6d4f8b9c7'],
  ])('differs for %s', (_name, uid, hash) => {
    expect(deriveChainId(uid, hash)).not.toBe(deriveChainId(UID, '6d4f8b9c7'));
  });

  it('is a version-5 UUID and stable', () => {
    expect(deriveChainId(UID, '6d4f8b9c7')).toMatch(UUID_V5);
    expect(deriveChainId(UID, '6d4f8b9c7')).toBe(deriveChainId(UID, '6d4f8b9c7'));
  });
});

describe('built events', () => {
  it('every event of one revision shares the chainId and has a distinct id', () => {
    const events = everyEvent().map(([, e]) => e);
    expect(new Set(events.map((e) => e.context.chainId))).toEqual(
      new Set([deriveChainId(UID, '6d4f8b9c7')]),
    );
    expect(new Set(events.map((e) => e.context.id)).size).toBe(events.length);
  });

  it('building the same transition twice gives an identical event (a resend is a duplicate)', () => {
    expect(serviceUpgraded(anInput())).toEqual(serviceUpgraded(anInput()));
  });

  it('keeps the given timestamp and derives the id from (uid, counter, type)', () => {
    const event = rolloutWeightChanged({
      ...anInput({ counter: 12 }),
      weight: { canary: 40, stable: 60 },
    });
    expect(event.context.timestamp).toBe('2026-05-01T12:00:00.123Z');
    expect(event.context.id).toBe(
      deriveEventId({ rolloutUid: UID, counter: 12, type: CDEVENT_TYPES.rolloutWeightChanged }),
    );
  });

  it('a later transition of the same type gets a new id', () => {
    const first = serviceUpgraded(anInput({ counter: 1 }));
    const second = serviceUpgraded(anInput({ counter: 2 }));
    expect(second.context.id).not.toBe(first.context.id);
  });
});
