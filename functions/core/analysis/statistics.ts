// Statistics for the canary judge: normal distribution, Mann–Whitney U, Hodges–Lehmann, two proportions.
//
// Normal distribution. Φ(z) = ½·erfc(−z/√2) with erfc from the Chebyshev-fitted formula in
// Numerical Recipes (2nd ed., §6.2, `erfcc`): fractional (relative) error below 1.2e−7 for every
// z, so tail probabilities keep their relative accuracy down to underflow (~1e−300). Quantiles
// use P. J. Acklam's rational approximation (relative error below 1.15e−9).
//
// Mann–Whitney U (Wilcoxon rank-sum) compares two independent samples without assuming a
// distribution: are canary values stochastically larger (or smaller) than baseline values?
// Pool both samples, rank them (ties get the mean of their ranks), and U₁ = R₁ − n₁(n₁+1)/2 where
// R₁ is the canary rank sum. U₁ counts pairs (x, y) with x > y, ties counting ½.
// - Exact (no ties, and a sample of at most 8 values, as SciPy's method='auto'): the null
//   distribution of U is the coefficient list of the Gaussian binomial [n₁+n₂ choose n₁]_q, built
//   by multiplying by (1 − q^(n₂+i)) and dividing by (1 − q^i); p-values are tail sums / C(n₁+n₂,n₁).
//   Used while C(n₁+n₂, n₁) < 2^53, so the counts are exact integers; beyond that, asymptotic.
// - Asymptotic otherwise: μ = n₁n₂/2, σ² = n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1))) with t the size
//   of each tie group (the tie correction), z = (U − μ − ½)/σ with the continuity correction ½,
//   where U is U₁ ('greater'), n₁n₂ − U₁ ('less') or the larger of both ('two-sided', p doubled).
//   This is exactly SciPy's `mannwhitneyu(x, y, alternative=…, use_continuity=True)`.
// All values tied (σ = 0) gives p = 1: no evidence of a difference.
//
// Hodges–Lehmann shift: the median of all n₁·n₂ differences xᵢ − yⱼ, the location shift that
// Mann–Whitney tests for; robust to outliers. Above 1,000,000 pairs the difference of medians is
// used instead (documented in the result).
//
// Two-proportion z-test (counts of events out of totals, e.g. 5xx out of requests): pooled rate
// p = (x₁+x₂)/(n₁+n₂), z = (p₁ − p₂)/√(p(1−p)(1/n₁ + 1/n₂)); the confidence interval of p₁ − p₂
// is the unpooled Wald interval p₁ − p₂ ± z_(1−α/2)·√(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂). The normal
// approximation wants roughly ≥ 5 events and ≥ 5 non-events per group; with no events at all
// (or only events) in both groups σ = 0 and p = 1.

/** Which difference a test looks for: x greater than y, x less than y, or either. */
export type Alternative = 'greater' | 'less' | 'two-sided';

/** erfc(x), relative error < 1.2e-7 (Numerical Recipes `erfcc`). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const ans = t * Math.exp(-z * z + poly);
  return x >= 0 ? ans : 2 - ans;
}

/** Φ(z): P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** 1 − Φ(z), accurate in the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

/** Φ⁻¹(p) for 0 < p < 1 (Acklam; relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x = horner(C, q) / (horner(D, q) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (horner(A, r) * q) / (horner(B, r) * r + 1);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export interface MannWhitneyResult {
  /** U₁: pairs (x, y) with x > y, ties counting ½. */
  readonly u: number;
  readonly pValue: number;
  /** The standardised statistic (asymptotic method only). */
  readonly z?: number;
  readonly method: 'exact' | 'asymptotic';
}

/** Ranks of the pooled values (ties get mean ranks) and the sizes of the tie groups. */
function rankPooled(values: readonly number[]): { ranks: Float64Array; ties: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
  const ranks = new Float64Array(values.length);
  const ties: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && values[order[end] ?? 0] === values[order[start] ?? 0]) end += 1;
    const meanRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k += 1) ranks[order[k] ?? 0] = meanRank;
    if (end - start > 1) ties.push(end - start);
    start = end;
  }
  return { ranks, ties };
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i += 1) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** Counts of arrangements with U = 0 … n₁n₂ (the Gaussian binomial's coefficients). */
function exactUCounts(n1: number, n2: number): Float64Array {
  const poly = new Float64Array(n1 * n2 + n1 + 1);
  poly[0] = 1;
  for (let i = 1; i <= n1; i += 1) {
    const shift = n2 + i;
    for (let k = poly.length - 1; k >= shift; k -= 1)
      poly[k] = (poly[k] ?? 0) - (poly[k - shift] ?? 0);
    for (let k = i; k < poly.length; k += 1) poly[k] = (poly[k] ?? 0) + (poly[k - i] ?? 0);
  }
  return poly.subarray(0, n1 * n2 + 1);
}

function exactPValue(u: number, n1: number, n2: number, alternative: Alternative): number {
  const counts = exactUCounts(Math.min(n1, n2), Math.max(n1, n2));
  const total = binomial(n1 + n2, Math.min(n1, n2));
  let atMost = 0;
  let atLeast = 0;
  counts.forEach((count, k) => {
    if (k <= u) atMost += count;
    if (k >= u) atLeast += count;
  });
  const cdf = atMost / total;
  const sf = atLeast / total;
  if (alternative === 'greater') return sf;
  if (alternative === 'less') return cdf;
  return Math.min(1, 2 * Math.min(cdf, sf));
}

/**
 * Mann–Whitney U test of x against y. `greater`: x tends to be larger. Needs non-empty samples
 * without NaN; throws RangeError otherwise.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative = 'two-sided',
): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs two non-empty samples');
  if ([...x, ...y].some(Number.isNaN)) throw new RangeError('mannWhitneyU samples contain NaN');
  const { ranks, ties } = rankPooled([...x, ...y]);
  const r1 = ranks.subarray(0, n1).reduce((sum, r) => sum + r, 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  if (ties.length === 0 && Math.min(n1, n2) <= 8 && binomial(n1 + n2, Math.min(n1, n2)) < 2 ** 53) {
    return { u, pValue: exactPValue(u, n1, n2, alternative), method: 'exact' };
  }
  const n = n1 + n2;
  const tieTerm = ties.reduce((sum, t) => sum + t ** 3 - t, 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const mu = (n1 * n2) / 2;
  const statistic =
    alternative === 'greater' ? u : alternative === 'less' ? n1 * n2 - u : Math.max(u, n1 * n2 - u);
  if (sigma === 0) return { u, pValue: 1, z: 0, method: 'asymptotic' };
  const z = (statistic - mu - 0.5) / sigma;
  const p = normalSf(z) * (alternative === 'two-sided' ? 2 : 1);
  return { u, pValue: Math.min(1, Math.max(0, p)), z, method: 'asymptotic' };
}

/** Above this many pairs the Hodges–Lehmann estimate falls back to the difference of medians. */
export const MAX_HODGES_LEHMANN_PAIRS = 1_000_000;

/** Location shift of x relative to y: median of pairwise differences (see module doc). */
export function hodgesLehmann(
  x: readonly number[],
  y: readonly number[],
): { shift: number; method: 'pairwise' | 'median-difference' } {
  if (x.length * y.length > MAX_HODGES_LEHMANN_PAIRS) {
    return { shift: median(x) - median(y), method: 'median-difference' };
  }
  const diffs = new Float64Array(x.length * y.length);
  let k = 0;
  for (const xi of x) {
    for (const yj of y) diffs[k++] = xi - yj;
  }
  return { shift: median(Array.from(diffs)), method: 'pairwise' };
}

export interface ProportionCounts {
  /** Events, e.g. failed requests. */
  readonly events: number;
  /** Trials, e.g. all requests. */
  readonly total: number;
}

export interface ProportionTestResult {
  readonly rate1: number;
  readonly rate2: number;
  /** rate1 − rate2. */
  readonly difference: number;
  /** rate1 / rate2 − 1 (±Infinity when rate2 is 0 and rate1 is not, 0 when both are 0). */
  readonly relativeDifference: number;
  readonly z: number;
  readonly pValue: number;
  /** Two-sided Wald interval of the difference at the given confidence. */
  readonly confidenceInterval: readonly [number, number];
}

function checkCounts(counts: ProportionCounts, which: string): void {
  const { events, total } = counts;
  const whole = Number.isSafeInteger(events) && Number.isSafeInteger(total);
  if (!whole || total <= 0 || events < 0 || events > total) {
    throw new RangeError(
      `${which}: need whole counts with 0 ≤ events ≤ total and total > 0, got ${events}/${total}`,
    );
  }
}

/** Two-proportion z-test of group 1 against group 2 (see module doc). */
export function twoProportionZTest(
  group1: ProportionCounts,
  group2: ProportionCounts,
  alternative: Alternative = 'two-sided',
  confidence = 0.95,
): ProportionTestResult {
  checkCounts(group1, 'group 1');
  checkCounts(group2, 'group 2');
  const rate1 = group1.events / group1.total;
  const rate2 = group2.events / group2.total;
  const difference = rate1 - rate2;
  const pooled = (group1.events + group2.events) / (group1.total + group2.total);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / group1.total + 1 / group2.total));
  const z = se === 0 ? 0 : difference / se;
  const tail =
    alternative === 'greater'
      ? normalSf(z)
      : alternative === 'less'
        ? normalCdf(z)
        : 2 * normalSf(Math.abs(z));
  const pValue = se === 0 ? 1 : Math.min(1, tail);
  const seWald = Math.sqrt(
    (rate1 * (1 - rate1)) / group1.total + (rate2 * (1 - rate2)) / group2.total,
  );
  const margin = normalQuantile(1 - (1 - confidence) / 2) * seWald;
  const relativeDifference = rate2 === 0 ? (rate1 === 0 ? 0 : Infinity) : rate1 / rate2 - 1;
  return {
    rate1,
    rate2,
    difference,
    relativeDifference,
    z,
    pValue,
    confidenceInterval: [difference - margin, difference + margin],
  };
}
