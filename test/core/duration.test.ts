// Durations as Argo writes them (bare seconds, Go-style parts), refused with the accepted
// forms named, and ISO time arithmetic.
import { describe, expect, it } from 'vitest';
import { DurationError, addSeconds, parseDuration } from '../../functions/core/duration.ts';

describe('parseDuration', () => {
  it.each<{ input: string | number; ms: number }>([
    { input: 0, ms: 0 },
    { input: 30, ms: 30_000 },
    { input: '30', ms: 30_000 },
    { input: ' 30s ', ms: 30_000 },
    { input: '5m', ms: 300_000 },
    { input: '1h', ms: 3_600_000 },
    { input: '1h30m15s', ms: 5_415_000 },
    { input: '1s500ms', ms: 1_500 },
    { input: '.5s', ms: 500 },
    { input: '2.5m', ms: 150_000 },
    { input: '0.0004s', ms: 0 },
    { input: '0.0006s', ms: 1 },
    // Go durations as Argo takes them in pauses, intervals and delays.
    { input: '1h30m', ms: 5_400_000 },
    { input: '90s', ms: 90_000 },
    { input: '500ms', ms: 500 },
    { input: '1.5h', ms: 5_400_000 },
    { input: '1.h', ms: 3_600_000 },
    { input: '1500us', ms: 2 },
    { input: '2500\u00b5s', ms: 3 },
    { input: '2500\u03bcs', ms: 3 },
    { input: '1m0.5s', ms: 60_500 },
    { input: '3000000ns', ms: 3 },
  ])('reads $input as $ms ms', ({ input, ms }) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each<{ input: string | number; message: string }>([
    { input: -1, message: 'invalid duration -1: use whole seconds like 30' },
    { input: 2.5, message: 'invalid duration 2.5' },
    { input: Number.NaN, message: 'invalid duration NaN' },
    { input: '  ', message: 'invalid duration ""' },
    { input: '5M', message: 'invalid duration "5M" at "5M"' },
    { input: '5s ago', message: 'invalid duration "5s ago" at " ago"' },
    { input: '3w', message: 'unknown unit "w"' },
    { input: '1d', message: 'unknown unit "d"' },
    { input: '-1s', message: 'invalid duration "-1s" at "-1s"' },
    { input: '1h30', message: 'invalid duration "1h30" at "30"' },
    { input: '.s', message: 'invalid duration ".s" at ".s"' },
    { input: '30s5', message: 'invalid duration "30s5" at "5"' },
    { input: `${'9'.repeat(15)}h`, message: 'too long' },
    { input: 9_007_199_254_740_991, message: 'too long' },
  ])('refuses $input', ({ input, message }) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
    expect(() => parseDuration(input)).toThrow(message);
  });

  it('names the accepted forms in every refusal', () => {
    expect(() => parseDuration('soon')).toThrow(
      'use whole seconds like 30, or a Go duration like "30s", "5m", "1h30m", "1.5h", "500ms" (units ns, us, ms, s, m, h)',
    );
  });
});

describe('addSeconds', () => {
  it.each([
    { from: '2026-03-01T10:00:00.000Z', seconds: 30, to: '2026-03-01T10:00:30.000Z' },
    { from: '2026-03-01T23:59:45Z', seconds: 30, to: '2026-03-02T00:00:15.000Z' },
    { from: '2026-03-01T10:00:00+02:00', seconds: 0, to: '2026-03-01T08:00:00.000Z' },
    { from: '2026-03-01T10:00:00.000Z', seconds: -60, to: '2026-03-01T09:59:00.000Z' },
    { from: '2026-03-01T10:00:00.000Z', seconds: 0.5, to: '2026-03-01T10:00:00.500Z' },
  ])('$from + $seconds s = $to', ({ from, seconds, to }) => {
    expect(addSeconds(from, seconds)).toBe(to);
  });
});

describe('a duration longer than a Date can reach', () => {
  it('ends at the latest time a Date holds instead of throwing', () => {
    const longest = parseDuration('2500000000h') / 1000;
    expect(addSeconds('2026-03-01T10:00:00.000Z', longest)).toBe('+275760-09-13T00:00:00.000Z');
  });
});
