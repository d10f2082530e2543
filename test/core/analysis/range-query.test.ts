// Argo's prometheus.rangeQuery: time expressions relative to the measurement, values flattened.
import { describe, expect, it } from 'vitest';
import {
  flattenRange,
  parseRangeQuery,
  parseTimeExpression,
  rangeWindow,
} from '../../../functions/core/analysis/range-query.ts';
import { parseRunSpec } from '../../../functions/core/analysis/run-spec.ts';

describe('parseTimeExpression', () => {
  it.each<[string, number]>([
    ['now()', 0],
    ['now() - duration("10m")', -600_000],
    [' now( ) - duration(\'1h30m\') + duration("5m") ', -5_100_000],
    ['now() + duration("250ms")', 250],
  ])('%s is %d ms from the measurement', (source, offset) => {
    expect(parseTimeExpression(source, 'start')).toBe(offset);
  });

  it.each<[string, RegExp]>([
    ['time.Now()', /start: cannot read "time.Now\(\)"; write now\(\)/],
    ['now() - 10m', /start: cannot read "- 10m"/],
    ['now() - duration("ten minutes")', /start: invalid duration/],
  ])('refuses %s', (source, message) => {
    expect(() => parseTimeExpression(source, 'start')).toThrow(message);
  });
});

describe('rangeQuery in a run', () => {
  const spec = (rangeQuery: Record<string, string>) =>
    parseRunSpec({
      args: [{ name: 'lookback', value: '15m' }],
      metrics: [
        {
          name: 'm',
          successCondition: 'true',
          provider: { prometheus: { query: 'up', rangeQuery } },
        },
      ],
    });

  it('substitutes plain arguments and measures a window ending at the measurement', () => {
    const provider = spec({
      start: 'now() - duration("{{args.lookback}}")',
      end: 'now()',
      step: '1m',
    }).metrics[0]?.provider;
    if (provider?.kind !== 'prometheus' || provider.prometheus.range === undefined) {
      throw new Error('no range');
    }
    expect(rangeWindow(provider.prometheus.range, new Date('2026-12-01T10:00:00Z'))).toEqual({
      start: new Date('2026-12-01T09:45:00Z'),
      end: new Date('2026-12-01T10:00:00Z'),
      stepSeconds: 60,
    });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no step', { start: 'now()', end: 'now()' }, /rangeQuery.step: is required/],
    [
      'start after end',
      { start: 'now()', end: 'now() - duration("1m")', step: '1m' },
      /start \(now\(\)\) is after end/,
    ],
    [
      'an unknown argument',
      { start: 'now() - duration("{{args.x}}")', end: 'now()', step: '1m' },
      /rangeQuery.start: uses \{\{args.x\}\}, which has no value/,
    ],
  ])('refuses %s', (_name, range, message) => {
    expect(() => spec(range)).toThrow(message);
  });

  it('refuses a step of 0', () => {
    expect(() =>
      parseRangeQuery({ start: 'now()', end: 'now()', step: '0s' }, 'rangeQuery'),
    ).toThrow(/step: must be longer than 0/);
  });

  it('refuses a rangeQuery on a judged metric', () => {
    const judged = {
      name: 'j',
      provider: { prometheus: { rangeQuery: { start: 'now()', end: 'now()', step: '1m' } } },
      judge: {
        comparisons: [
          {
            name: 'c',
            kind: 'twoProportion',
            canaryQuery: 'a',
            baselineQuery: 'b',
            canaryTotalQuery: 'c',
            baselineTotalQuery: 'd',
          },
        ],
      },
    };
    expect(() => parseRunSpec({ metrics: [judged] })).toThrow(
      /rangeQuery: a judged metric reads its own ranges/,
    );
  });
});

describe('flattenRange', () => {
  it('puts every value of every series in one list, as Argo does', () => {
    const flat = flattenRange({
      resultType: 'matrix',
      series: [
        {
          labels: { a: '1' },
          points: [
            { timeMs: 1, value: 0.1 },
            { timeMs: 2, value: 0.2 },
          ],
        },
        { labels: { a: '2' }, points: [{ timeMs: 1, value: 0.3 }] },
      ],
    });
    expect(flat).toEqual({
      resultType: 'vector',
      samples: [
        { labels: { a: '1' }, timeMs: 1, value: 0.1 },
        { labels: { a: '1' }, timeMs: 2, value: 0.2 },
        { labels: { a: '2' }, timeMs: 1, value: 0.3 },
      ],
    });
  });
});
