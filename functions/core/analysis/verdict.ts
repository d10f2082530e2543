// Metric- and run-level analysis verdicts from measurements, with Argo Rollouts' limits and timing.
import { parseDuration } from '../duration.ts';
import { MeasurementPhase } from './measurement.ts';

/** Where a metric, or a whole analysis run, stands. */
export const AnalysisPhase = {
  /** No measurement taken yet. */
  Pending: 'Pending',
  /** Measuring; no limit reached, count not reached. */
  Running: 'Running',
  /** Count reached (or terminated) within every limit: the rollout may proceed. */
  Successful: 'Successful',
  /** More failed measurements than failureLimit: abort. */
  Failed: 'Failed',
  /** More inconclusive measurements than inconclusiveLimit: pause for a human. */
  Inconclusive: 'Inconclusive',
  /** More consecutive errors than consecutiveErrorLimit: abort. */
  Error: 'Error',
} as const;
export type AnalysisPhase = (typeof AnalysisPhase)[keyof typeof AnalysisPhase];

/** Argo's defaults. A negative limit means "no limit". */
export const DEFAULT_LIMITS = {
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  /** How soon a metric without an interval retries after an Error measurement (Argo: 10 s). */
  errorRetryIntervalMs: 10_000,
} as const;

/** The scheduling and limit fields of a metric (Argo names). */
export interface MetricPolicy {
  readonly interval?: string | number;
  readonly initialDelay?: string | number;
  /** Measurements to take; without it, one if there is no interval, else unbounded. */
  readonly count?: number;
  readonly failureLimit?: number;
  readonly inconclusiveLimit?: number;
  readonly consecutiveErrorLimit?: number;
  /** Measured and reported, but never decides the run. */
  readonly dryRun?: boolean;
}

/** A finished measurement as stored in AnalysisRun status (RFC 3339 time). */
export interface MeasurementRecord {
  readonly phase: MeasurementPhase;
  readonly finishedAt?: string;
}

/** Argo's MetricResult counters. `count` excludes Error measurements. */
export interface MetricTally {
  readonly count: number;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  readonly consecutiveErrors: number;
}

export interface MetricVerdict {
  readonly phase: AnalysisPhase;
  readonly tally: MetricTally;
  /** Why the phase is what it is, for status messages. */
  readonly reason: string;
}

export function tallyMeasurements(measurements: readonly MeasurementRecord[]): MetricTally {
  const byPhase = (phase: MeasurementPhase): number =>
    measurements.filter((m) => m.phase === phase).length;
  let consecutiveErrors = 0;
  for (let i = measurements.length - 1; i >= 0 && measurements[i]?.phase === 'Error'; i -= 1) {
    consecutiveErrors += 1;
  }
  const error = byPhase(MeasurementPhase.Error);
  return {
    count: measurements.length - error,
    successful: byPhase(MeasurementPhase.Successful),
    failed: byPhase(MeasurementPhase.Failed),
    inconclusive: byPhase(MeasurementPhase.Inconclusive),
    error,
    consecutiveErrors,
  };
}

/** How many measurements the metric takes, or undefined when it runs until terminated. */
export function effectiveCount(policy: MetricPolicy): number | undefined {
  if (policy.count !== undefined) return policy.count;
  return policy.interval === undefined || policy.interval === '' ? 1 : undefined;
}

function exceeds(value: number, limit: number): boolean {
  return limit >= 0 && value > limit;
}

/**
 * A metric's phase from its measurements, as Argo's assessMetricStatus: limits first (failed,
 * then inconclusive, then consecutive errors), then the count; `terminating` ends an open-ended
 * metric as Successful.
 */
export function assessMetric(
  policy: MetricPolicy,
  measurements: readonly MeasurementRecord[],
  terminating = false,
): MetricVerdict {
  const tally = tallyMeasurements(measurements);
  const verdict = (phase: AnalysisPhase, reason: string): MetricVerdict => ({
    phase,
    tally,
    reason,
  });
  if (measurements.length === 0) {
    return terminating
      ? verdict(AnalysisPhase.Successful, 'terminated before the first measurement')
      : verdict(AnalysisPhase.Pending, 'no measurement yet');
  }
  const breach = limitBreached(policy, tally);
  if (breach !== undefined) return verdict(breach.phase, breach.reason);
  const count = effectiveCount(policy);
  if (count !== undefined && tally.count >= count) {
    return verdict(AnalysisPhase.Successful, `count (${count}) reached`);
  }
  if (terminating) return verdict(AnalysisPhase.Successful, 'run terminated');
  return verdict(
    AnalysisPhase.Running,
    `${tally.count} of ${count ?? 'unbounded'} measurements taken`,
  );
}

/** The first limit exceeded, in Argo's order: failed, inconclusive, consecutive errors. */
function limitBreached(
  policy: MetricPolicy,
  tally: MetricTally,
): { phase: AnalysisPhase; reason: string } | undefined {
  const failureLimit = policy.failureLimit ?? DEFAULT_LIMITS.failureLimit;
  const inconclusiveLimit = policy.inconclusiveLimit ?? DEFAULT_LIMITS.inconclusiveLimit;
  const errorLimit = policy.consecutiveErrorLimit ?? DEFAULT_LIMITS.consecutiveErrorLimit;
  if (exceeds(tally.failed, failureLimit)) {
    return {
      phase: AnalysisPhase.Failed,
      reason: `failed (${tally.failed}) > failureLimit (${failureLimit})`,
    };
  }
  if (exceeds(tally.inconclusive, inconclusiveLimit)) {
    return {
      phase: AnalysisPhase.Inconclusive,
      reason: `inconclusive (${tally.inconclusive}) > inconclusiveLimit (${inconclusiveLimit})`,
    };
  }
  if (exceeds(tally.consecutiveErrors, errorLimit)) {
    return {
      phase: AnalysisPhase.Error,
      reason: `consecutive errors (${tally.consecutiveErrors}) > consecutiveErrorLimit (${errorLimit})`,
    };
  }
  return undefined;
}

export interface MetricOutcome {
  readonly name: string;
  readonly phase: AnalysisPhase;
  readonly dryRun?: boolean;
}

export interface RunVerdict {
  readonly phase: AnalysisPhase;
  readonly message: string;
  /** Dry-run metrics by phase: reported, never acted on. */
  readonly dryRun: Readonly<Partial<Record<AnalysisPhase, readonly string[]>>>;
}

/** Worst first: a failed metric decides over an erroring one, which decides over inconclusive. */
const BAD_PHASES = [AnalysisPhase.Failed, AnalysisPhase.Error, AnalysisPhase.Inconclusive] as const;

/**
 * The run's phase over its metrics, ignoring dry-run ones: any Failed → Failed, else any Error →
 * Error, else any Inconclusive → Inconclusive (Argo terminates the other metrics then); all
 * Successful → Successful; otherwise Running.
 */
export function assessRun(metrics: readonly MetricOutcome[]): RunVerdict {
  const dryRun: Partial<Record<AnalysisPhase, string[]>> = {};
  for (const metric of metrics.filter((m) => m.dryRun === true)) {
    (dryRun[metric.phase] ??= []).push(metric.name);
  }
  const acting = metrics.filter((m) => m.dryRun !== true);
  for (const bad of BAD_PHASES) {
    const names = acting.filter((m) => m.phase === bad).map((m) => m.name);
    if (names.length > 0)
      return { phase: bad, message: `metric ${names.join(', ')}: ${bad}`, dryRun };
  }
  const unfinished = metrics.filter(
    (m) => m.phase === AnalysisPhase.Pending || m.phase === AnalysisPhase.Running,
  );
  if (unfinished.length > 0) {
    const names = unfinished.map((m) => m.name).join(', ');
    return { phase: AnalysisPhase.Running, message: `waiting for ${names}`, dryRun };
  }
  return { phase: AnalysisPhase.Successful, message: 'every metric succeeded', dryRun };
}

export interface ScheduleInput {
  readonly policy: MetricPolicy;
  /** When the analysis run started (RFC 3339). */
  readonly startedAt: string;
  readonly measurements: readonly MeasurementRecord[];
}

/**
 * When the metric's next measurement is due, or undefined when no more are: the run start plus
 * initialDelay for the first, the last finish plus interval afterwards, and Argo's error retry
 * interval when a metric without interval errored. Throws DurationError on bad durations.
 */
export function nextMeasurementDue(input: ScheduleInput): Date | undefined {
  const { policy, measurements } = input;
  if (isDone(assessMetric(policy, measurements).phase)) return undefined;
  const last = measurements.at(-1);
  if (last === undefined) {
    const delay = policy.initialDelay === undefined ? 0 : parseDuration(policy.initialDelay);
    return new Date(parseTime(input.startedAt, 'startedAt') + delay);
  }
  const finished = parseTime(last.finishedAt, 'finishedAt of the last measurement');
  if (policy.interval !== undefined && policy.interval !== '') {
    return new Date(finished + parseDuration(policy.interval));
  }
  if (last.phase === MeasurementPhase.Error) {
    return new Date(finished + DEFAULT_LIMITS.errorRetryIntervalMs);
  }
  return undefined;
}

function isDone(phase: AnalysisPhase): boolean {
  return phase !== AnalysisPhase.Pending && phase !== AnalysisPhase.Running;
}

function parseTime(value: string | undefined, what: string): number {
  const ms = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an RFC 3339 time: ${String(value)}`);
  return ms;
}
