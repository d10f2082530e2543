// Exact binomial acceptance intervals: how many of n requests may reach a backend weighted p
// before the split says the route is not obeyed (two-sided, at the given confidence).

/** log(n choose k), summed directly: n stays in the thousands in tests. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i += 1) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/** P(X = k) for X ~ Binomial(n, p). */
function pmf(n: number, p: number, k: number): number {
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p));
}

/**
 * The smallest [low, high] with P(X < low) ≤ α/2 and P(X > high) ≤ α/2, α = 1 − confidence.
 * At p = 0 or 1 the interval is the single certain count.
 */
export function binomialInterval(n: number, p: number, confidence: number): [number, number] {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`n must be a positive integer, got ${n}`);
  if (p < 0 || p > 1) throw new Error(`p must be within 0..1, got ${p}`);
  const tail = (1 - confidence) / 2;
  let low = 0;
  for (let below = 0; low <= n && below + pmf(n, p, low) <= tail; low += 1) {
    below += pmf(n, p, low);
  }
  let high = n;
  for (let above = 0; high >= 0 && above + pmf(n, p, high) <= tail; high -= 1) {
    above += pmf(n, p, high);
  }
  return [low, high];
}
