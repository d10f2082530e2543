// What a judged analysis (an A/B experiment) concluded, read from an AnalysisRun's status: per
// metric the newest judgement, with each comparison's effect size and confidence. The Rollout's
// status and the testsuiterun.finished CDEvent carry it, so people see why a variant won.

/** One comparison of a judgement, e.g. the conversion rate of canary against stable. */
export interface ExperimentComparison {
  readonly name: string;
  /** Pass, High, Low or NoData. */
  readonly classification: string;
  readonly pValue?: number;
  /** The confidence (1 − α) the test ran at. */
  readonly confidence?: number;
  /** Rate difference (twoProportion) or Hodges–Lehmann shift (mannWhitney), canary − baseline. */
  readonly effect?: number;
  readonly relativeEffect?: number;
  readonly canaryRate?: number;
  readonly baselineRate?: number;
  /** Interval of the rate difference at `confidence`. */
  readonly interval?: readonly [number, number];
}

export interface ExperimentOutcome {
  /** The judged metric. */
  readonly metric: string;
  /** Pass, Marginal or Fail. */
  readonly verdict: string;
  readonly score?: number;
  readonly comparisons: readonly ExperimentComparison[];
}

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Fields)
    : undefined;
}

function numbers(from: Fields, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const v = from[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

const numberKeys = [
  'pValue',
  'confidence',
  'effect',
  'relativeEffect',
  'canaryRate',
  'baselineRate',
] as const;

function comparison(raw: unknown): ExperimentComparison | undefined {
  const c = fields(raw);
  if (!c || typeof c.name !== 'string' || typeof c.classification !== 'string') return undefined;
  const interval = c.interval;
  const [low, high] = Array.isArray(interval) ? (interval as unknown[]) : [];
  const pair =
    typeof low === 'number' &&
    typeof high === 'number' &&
    Array.isArray(interval) &&
    interval.length === 2
      ? { interval: [low, high] as const }
      : {};
  return { name: c.name, classification: c.classification, ...numbers(c, numberKeys), ...pair };
}

/** The newest judgement of one metric result, if it has one. */
function outcomeOf(raw: unknown): ExperimentOutcome | undefined {
  const result = fields(raw);
  const measurements = result?.measurements;
  if (!result || typeof result.name !== 'string' || !Array.isArray(measurements)) return undefined;
  const judged = measurements.map((m) => fields(fields(m)?.judge)).findLast((j) => j !== undefined);
  if (!judged || typeof judged.verdict !== 'string') return undefined;
  const comparisons = Array.isArray(judged.comparisons)
    ? judged.comparisons.map(comparison).filter((c) => c !== undefined)
    : [];
  return {
    metric: result.name,
    verdict: judged.verdict,
    ...numbers(judged, ['score']),
    comparisons,
  };
}

/** Every judged metric's newest outcome in an AnalysisRun's status.metricResults. */
export function experimentOutcomes(metricResults: unknown): ExperimentOutcome[] {
  if (!Array.isArray(metricResults)) return [];
  return metricResults.map(outcomeOf).filter((o) => o !== undefined);
}

/** One line for people: "conversion: canary 0.081 vs 0.102 (−0.021, p=0.003 at 95%)". */
export function describeExperiment(outcome: ExperimentOutcome): string {
  const parts = outcome.comparisons.map((c) => {
    const rates =
      c.canaryRate !== undefined && c.baselineRate !== undefined
        ? `canary ${c.canaryRate.toPrecision(3)} vs ${c.baselineRate.toPrecision(3)}`
        : c.classification;
    const effect = c.effect === undefined ? '' : `effect ${c.effect.toPrecision(3)}`;
    const p = c.pValue === undefined ? '' : `p=${c.pValue.toPrecision(3)}`;
    const at =
      c.confidence === undefined ? '' : `at ${String(Math.round(c.confidence * 1000) / 10)}%`;
    const detail = [effect, p, at].filter((x) => x !== '').join(', ');
    return `${c.name}: ${rates}${detail ? ` (${detail})` : ''}`;
  });
  return `${outcome.metric} ${outcome.verdict}: ${parts.join('; ')}`;
}
