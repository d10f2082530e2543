// The binomial acceptance interval the real-traffic tests judge a split by.
import { describe, expect, it } from 'vitest';
import { binomialInterval } from './binomial.ts';

describe('binomialInterval', () => {
  it.each([
    { name: 'certain zero', n: 400, p: 0, interval: [0, 0] },
    { name: 'certain all', n: 400, p: 1, interval: [400, 400] },
    // Binomial(400, 0.5) at 99.9%: 200 ± 3.29·10, exact bounds 167..233.
    { name: 'half of 400', n: 400, p: 0.5, interval: [167, 233] },
    { name: 'a quarter of 400', n: 400, p: 0.25, interval: [72, 129] },
  ])('$name', ({ n, p, interval }) => {
    expect(binomialInterval(n, p, 0.999)).toEqual(interval);
  });

  it('is symmetric for p and 1 − p', () => {
    const [low, high] = binomialInterval(300, 0.2, 0.999);
    expect(binomialInterval(300, 0.8, 0.999)).toEqual([300 - high, 300 - low]);
  });

  it('refuses a share outside 0..1', () => {
    expect(() => binomialInterval(10, 1.5, 0.999)).toThrow('p must be within 0..1, got 1.5');
  });
});
