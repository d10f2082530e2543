// The canary judge: classifies each metric canary-vs-baseline, then scores the run like Kayenta.
//
// Per metric, on samples taken over the SAME window from canary and baseline (not from
// long-running production):
// - compareSamples (latency-like metrics): Mann–Whitney U at `confidence` (default 0.98, as
//   Kayenta) in the direction that is bad, plus the Hodges–Lehmann shift relative to the
//   baseline median; High/Low only when the change is significant AND at least
//   `minRelativeEffect` (default 5%). Fewer than `minSamples` (default 10) values on either side
//   is NoData, never Pass. NaN samples are dropped first (they are "no value", not a value).
// - compareProportions (error or conversion ratios, from counts): the two-proportion z-test in
//   the bad direction, High/Low only when significant AND the rate difference is at least
//   `minRateDifference` (default 0). No trials on either side is NoData.
// Scoring over metrics: score = 100 · Σ weight(Pass) / Σ weight(metrics with data). The run
// fails with score 0 when a critical metric is High/Low, when a mustHaveData metric has no data,
// or when at least `maxNoDataFraction` (default 0.5) of the metrics have no data. Otherwise
// score ≥ pass (95) → Pass, ≥ marginal (75) → Marginal, else Fail. As in Argo's Kayenta
// provider, a measurement maps Pass → Successful, Marginal → Inconclusive, Fail → Failed.
import { MeasurementPhase } from './measurement.ts';
import {
  hodgesLehmann,
  mannWhitneyU,
  median,
  twoProportionZTest,
  type Alternative,
  type ProportionCounts,
} from './statistics.ts';

/** Which change of a metric is bad. */
export const Direction = {
  /** Higher is worse (latency, errors). */
  Increase: 'increase',
  /** Lower is worse (throughput, conversions). */
  Decrease: 'decrease',
  /** Any significant change is bad. */
  Either: 'either',
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** How one metric compares, canary against baseline. */
export const Classification = {
  /** No significant change in a bad direction. */
  Pass: 'Pass',
  /** Significantly and materially higher, and higher is bad. */
  High: 'High',
  /** Significantly and materially lower, and lower is bad. */
  Low: 'Low',
  /** Not enough data on one side to judge. */
  NoData: 'NoData',
} as const;
export type Classification = (typeof Classification)[keyof typeof Classification];

export interface JudgeOptions {
  readonly direction?: Direction;
  /** 1 − α; default 0.98 as Kayenta. */
  readonly confidence?: number;
}

export interface SampleOptions extends JudgeOptions {
  /** Smallest |shift| / |baseline median| that counts; default 0.05. */
  readonly minRelativeEffect?: number;
  /** Fewest values per side to judge at all; default 10. */
  readonly minSamples?: number;
}

export interface ProportionOptions extends JudgeOptions {
  /** Smallest |rate difference| that counts; default 0. */
  readonly minRateDifference?: number;
}

export interface MetricJudgement {
  readonly classification: Classification;
  readonly reason: string;
  readonly pValue?: number;
  /** Sample metrics: Hodges–Lehmann shift; proportion metrics: rate difference. */
  readonly effect?: number;
  /** Sample metrics: shift / baseline median; proportion metrics: rate ratio − 1. */
  readonly relativeEffect?: number;
  /** The confidence (1 − α) the test was run at. */
  readonly confidence?: number;
  /** Proportion metrics: the two rates and the Wald interval of their difference. */
  readonly canaryRate?: number;
  readonly baselineRate?: number;
  readonly interval?: readonly [number, number];
}

const ALTERNATIVE: Readonly<Record<Direction, Alternative>> = {
  increase: 'greater',
  decrease: 'less',
  either: 'two-sided',
};

function classify(
  significant: boolean,
  effect: number,
  bigEnough: boolean,
  direction: Direction,
): Classification {
  if (!significant || !bigEnough || effect === 0) return Classification.Pass;
  const higher = effect > 0;
  if (higher && direction !== Direction.Decrease) return Classification.High;
  if (!higher && direction !== Direction.Increase) return Classification.Low;
  return Classification.Pass;
}

function checkConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
  return confidence;
}

/** Mann–Whitney judgement of canary samples against baseline samples. */
export function compareSamples(
  canary: readonly number[],
  baseline: readonly number[],
  options: SampleOptions = {},
): MetricJudgement {
  const direction = options.direction ?? Direction.Increase;
  const alpha = 1 - checkConfidence(options.confidence ?? 0.98);
  const minSamples = options.minSamples ?? 10;
  const x = canary.filter((v) => !Number.isNaN(v));
  const y = baseline.filter((v) => !Number.isNaN(v));
  if (x.length < Math.max(1, minSamples) || y.length < Math.max(1, minSamples)) {
    const reason = `${x.length} canary and ${y.length} baseline values; need ${minSamples} each`;
    return { classification: Classification.NoData, reason };
  }
  const test = mannWhitneyU(x, y, ALTERNATIVE[direction]);
  const { shift } = hodgesLehmann(x, y);
  const base = Math.abs(median(y));
  const relativeEffect =
    base === 0 ? (shift === 0 ? 0 : Math.sign(shift) * Infinity) : shift / base;
  const bigEnough = Math.abs(relativeEffect) >= (options.minRelativeEffect ?? 0.05);
  const classification = classify(test.pValue < alpha, shift, bigEnough, direction);
  const reason =
    `Mann–Whitney U=${test.u} p=${test.pValue.toPrecision(3)} (α=${alpha.toPrecision(2)}, ${test.method}), ` +
    `shift ${shift.toPrecision(3)} (${(relativeEffect * 100).toPrecision(3)}% of the baseline median)`;
  return {
    classification,
    reason,
    pValue: test.pValue,
    effect: shift,
    relativeEffect,
    confidence: 1 - alpha,
  };
}

/** Two-proportion judgement of canary counts against baseline counts. */
export function compareProportions(
  canary: ProportionCounts,
  baseline: ProportionCounts,
  options: ProportionOptions = {},
): MetricJudgement {
  const direction = options.direction ?? Direction.Increase;
  const confidence = checkConfidence(options.confidence ?? 0.98);
  if (canary.total === 0 || baseline.total === 0) {
    const reason = `no trials: canary ${canary.total}, baseline ${baseline.total}`;
    return { classification: Classification.NoData, reason };
  }
  const test = twoProportionZTest(canary, baseline, ALTERNATIVE[direction], confidence);
  const bigEnough = Math.abs(test.difference) >= (options.minRateDifference ?? 0);
  const classification = classify(
    test.pValue < 1 - confidence,
    test.difference,
    bigEnough,
    direction,
  );
  const [low, high] = test.confidenceInterval;
  const reason =
    `rates ${test.rate1.toPrecision(3)} vs ${test.rate2.toPrecision(3)}, z=${test.z.toPrecision(3)} ` +
    `p=${test.pValue.toPrecision(3)}, difference in [${low.toPrecision(3)}, ${high.toPrecision(3)}]`;
  return {
    classification,
    reason,
    pValue: test.pValue,
    effect: test.difference,
    relativeEffect: test.relativeDifference,
    confidence,
    canaryRate: test.rate1,
    baselineRate: test.rate2,
    interval: [low, high],
  };
}

/** The overall outcome of a judged interval. */
export const JudgeVerdict = {
  /** Score at or above the pass threshold. */
  Pass: 'Pass',
  /** Score between the marginal and pass thresholds: a human decides. */
  Marginal: 'Marginal',
  /** Score below marginal, a critical metric failed, or too little data. */
  Fail: 'Fail',
} as const;
export type JudgeVerdict = (typeof JudgeVerdict)[keyof typeof JudgeVerdict];

export interface JudgedMetric {
  readonly name: string;
  readonly classification: Classification;
  /** Default 1. */
  readonly weight?: number;
  /** A High/Low on this metric fails the run alone. */
  readonly critical?: boolean;
  /** No data on this metric fails the run. */
  readonly mustHaveData?: boolean;
}

export interface ScoreOptions {
  /** Default 95. */
  readonly pass?: number;
  /** Default 75. */
  readonly marginal?: number;
  /** Fraction of no-data metrics that fails the run; default 0.5. */
  readonly maxNoDataFraction?: number;
}

export interface Score {
  readonly score: number;
  readonly verdict: JudgeVerdict;
  readonly reason: string;
}

function failed(m: JudgedMetric): boolean {
  return m.classification === Classification.High || m.classification === Classification.Low;
}

/** Scores a set of judged metrics (see module doc). */
export function scoreMetrics(metrics: readonly JudgedMetric[], options: ScoreOptions = {}): Score {
  const gate = failingGate(metrics, options.maxNoDataFraction ?? 0.5);
  if (gate !== undefined) return { score: 0, verdict: JudgeVerdict.Fail, reason: gate };
  const weightOf = (m: JudgedMetric): number => m.weight ?? 1;
  const scored = metrics.filter((m) => m.classification !== Classification.NoData);
  const totalWeight = scored.reduce((sum, m) => sum + weightOf(m), 0);
  const passWeight = scored
    .filter((m) => m.classification === Classification.Pass)
    .reduce((sum, m) => sum + weightOf(m), 0);
  const score = totalWeight > 0 ? (100 * passWeight) / totalWeight : 0;
  const failedNames = scored.filter(failed).map((m) => `${m.name} ${m.classification}`);
  const reason = `score ${score.toFixed(1)}${failedNames.length > 0 ? `; ${failedNames.join(', ')}` : ''}`;
  if (score >= (options.pass ?? 95)) return { score, verdict: JudgeVerdict.Pass, reason };
  if (score >= (options.marginal ?? 75)) return { score, verdict: JudgeVerdict.Marginal, reason };
  return { score, verdict: JudgeVerdict.Fail, reason };
}

/** Why the run fails regardless of the score, if it does. */
function failingGate(metrics: readonly JudgedMetric[], maxNoData: number): string | undefined {
  if (metrics.length === 0) return 'no metrics to judge';
  const criticalFailures = metrics
    .filter((m) => m.critical === true && failed(m))
    .map((m) => m.name);
  if (criticalFailures.length > 0) return `critical metric failed: ${criticalFailures.join(', ')}`;
  const noData = metrics.filter((m) => m.classification === Classification.NoData);
  const missing = noData.filter((m) => m.mustHaveData === true).map((m) => m.name);
  if (missing.length > 0) return `no data for required metric: ${missing.join(', ')}`;
  if (noData.length / metrics.length >= maxNoData) {
    return `${noData.length} of ${metrics.length} metrics have no data (limit ${maxNoData * 100}%)`;
  }
  return undefined;
}

/** The measurement phase for a judge verdict, as Argo's Kayenta provider maps scores. */
export function verdictPhase(verdict: JudgeVerdict): MeasurementPhase {
  switch (verdict) {
    case JudgeVerdict.Pass:
      return MeasurementPhase.Successful;
    case JudgeVerdict.Marginal:
      return MeasurementPhase.Inconclusive;
    case JudgeVerdict.Fail:
      return MeasurementPhase.Failed;
  }
}
