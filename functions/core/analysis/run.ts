// An AnalysisRun's progress as pure functions: which metrics are due at `now`, and the status after
// folding new measurements in (Argo's counters, bounded measurement history, metric and run phase).
//
// The counters in status are the truth; measurements beyond the metric's retention
// (measurementRetention, default 10 as Argo) are dropped, so a long-running metric cannot outgrow
// the object.
import { ArgumentError } from './args.ts';
import type { MeasurementPhase } from './measurement.ts';
import {
  AnalysisPhase,
  assessMetric,
  assessRun,
  nextMeasurementDue,
  type MeasurementRecord,
  type MetricTally,
  type MetricVerdict,
} from './verdict.ts';
import { parseRunStatus } from './run-status.ts';
import { DEFAULT_MEASUREMENT_RETENTION } from './metric-rules.ts';
import {
  isSpecProblem,
  parseRunSpec,
  type AnalysisRunSpec,
  type Json,
  type RunMetric,
  type StoredMetricResult,
  type StoredRunStatus,
} from './run-spec.ts';

export * from './run-spec.ts';
export { parseRunStatus } from './run-status.ts';

/** Measurements kept per metric in status without measurementRetention (Argo's default). */
export const MEASUREMENT_RETENTION = DEFAULT_MEASUREMENT_RETENTION;

/** One measurement the shell took, to fold into status. */
export interface TakenMeasurement {
  readonly metric: string;
  readonly phase: MeasurementPhase;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly value?: string;
  readonly query?: string;
  readonly message?: string;
  /** A judged metric's score and comparisons. */
  readonly judge?: Json;
}

type Summary = Record<'count' | 'successful' | 'failed' | 'inconclusive' | 'error', number>;

/** The status KULTA writes (unknown fields of the previous status are kept). */
export interface AnalysisRunStatus {
  readonly [field: string]: unknown;
  readonly phase: AnalysisPhase;
  readonly message: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly runSummary?: Summary;
  readonly dryRunSummary?: Summary;
  readonly metricResults?: readonly Json[];
}

export type ParsedRun =
  | { readonly ok: true; readonly spec: AnalysisRunSpec; readonly status: StoredRunStatus }
  | { readonly ok: false; readonly message: string; readonly status: Json };

/** Parses spec and status of an AnalysisRun object; a bad one says which field and why. */
export function parseAnalysisRun(run: unknown): ParsedRun {
  const object = (typeof run === 'object' && run !== null ? run : {}) as Json;
  const rawStatus = (
    typeof object.status === 'object' && object.status !== null ? object.status : {}
  ) as Json;
  try {
    return { ok: true, spec: parseRunSpec(object.spec), status: parseRunStatus(object.status) };
  } catch (error) {
    if (!isSpecProblem(error)) throw error;
    return { ok: false, message: `invalid AnalysisRun: ${error.message}`, status: rawStatus };
  }
}

/** A final phase: the run (or metric) takes no more measurements. */
export function isFinished(phase: AnalysisPhase | undefined): boolean {
  return phase !== undefined && phase !== AnalysisPhase.Pending && phase !== AnalysisPhase.Running;
}

/** The status of a run that cannot be measured: Error with the reason, nothing else changed. */
export function invalidRunStatus(status: Json, message: string, now: string): AnalysisRunStatus {
  const startedAt = typeof status.startedAt === 'string' ? status.startedAt : now;
  const completedAt = typeof status.completedAt === 'string' ? status.completedAt : now;
  return { ...status, phase: AnalysisPhase.Error, message, startedAt, completedAt };
}

const EMPTY_TALLY: MetricTally = {
  count: 0,
  successful: 0,
  failed: 0,
  inconclusive: 0,
  error: 0,
  consecutiveErrors: 0,
};

/**
 * Records equivalent to the counters for verdict.ts (which judges a list): the non-consecutive
 * errors first, the consecutive ones last, the newest carrying the last finish time.
 */
function ledger(result: StoredMetricResult | undefined): MeasurementRecord[] {
  if (result === undefined) return [];
  const { tally, last } = result;
  const run = (phase: MeasurementPhase, n: number): MeasurementRecord[] =>
    new Array<MeasurementRecord>(n).fill({ phase });
  const records = [
    ...run('Error', tally.error - tally.consecutiveErrors),
    ...run('Successful', tally.successful),
    ...run('Failed', tally.failed),
    ...run('Inconclusive', tally.inconclusive),
    ...run('Error', tally.consecutiveErrors),
  ];
  const newest = records.at(-1);
  if (newest !== undefined && last !== undefined) {
    records[records.length - 1] = { phase: newest.phase, finishedAt: last.finishedAt };
  }
  return records;
}

function resultOf(status: StoredRunStatus, name: string): StoredMetricResult | undefined {
  return status.metricResults.find((r) => r.name === name);
}

/** When `metric` is next due, or undefined when it takes no more measurements. */
function nextDue(metric: RunMetric, status: StoredRunStatus, now: string): Date | undefined {
  return nextMeasurementDue({
    policy: metric.policy,
    startedAt: status.startedAt ?? now,
    measurements: ledger(resultOf(status, metric.name)),
  });
}

/** The metrics to measure at `now`: none once the run is finished or terminated. */
export function dueMetrics(
  spec: AnalysisRunSpec,
  status: StoredRunStatus,
  now: string,
): RunMetric[] {
  if (spec.terminate || isFinished(status.phase)) return [];
  const at = Date.parse(now);
  return spec.metrics.filter((metric) => {
    const due = nextDue(metric, status, now);
    return due !== undefined && due.getTime() <= at;
  });
}

/** The earliest time a metric of the run is due after the status written, if any. */
export function nextMeasurementAt(
  spec: AnalysisRunSpec,
  status: StoredRunStatus,
  now: string,
): string | undefined {
  if (spec.terminate || isFinished(status.phase)) return undefined;
  const times = spec.metrics
    .map((metric) => nextDue(metric, status, now)?.getTime())
    .filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : new Date(Math.min(...times)).toISOString();
}

function addMeasurement(tally: MetricTally, phase: MeasurementPhase): MetricTally {
  const error = phase === 'Error';
  const next = {
    ...tally,
    successful: tally.successful + (phase === 'Successful' ? 1 : 0),
    failed: tally.failed + (phase === 'Failed' ? 1 : 0),
    inconclusive: tally.inconclusive + (phase === 'Inconclusive' ? 1 : 0),
    error: tally.error + (error ? 1 : 0),
    consecutiveErrors: error ? tally.consecutiveErrors + 1 : 0,
  };
  return { ...next, count: next.successful + next.failed + next.inconclusive };
}

function record(taken: TakenMeasurement): Json {
  return Object.fromEntries(
    Object.entries(taken).filter(([k, v]) => k !== 'metric' && v !== undefined),
  );
}

interface FoldedMetric {
  readonly metric: RunMetric;
  readonly verdict: MetricVerdict;
  readonly entry: Json;
}

function foldMetric(
  metric: RunMetric,
  stored: StoredMetricResult | undefined,
  taken: readonly TakenMeasurement[],
  terminating: boolean,
): FoldedMetric {
  const mine = taken.filter((t) => t.metric === metric.name);
  const updated = appendMeasurements(metric, stored, mine);
  const verdict = assessMetric(metric.policy, ledger(updated), terminating);
  const { tally } = updated;
  const entry: Json = {
    ...updated.raw,
    name: metric.name,
    phase: verdict.phase,
    message: metricMessage(verdict, updated.measurements.at(-1)),
    ...(metric.policy.dryRun === true ? { dryRun: true } : {}),
    count: tally.count,
    successful: tally.successful,
    failed: tally.failed,
    inconclusive: tally.inconclusive,
    error: tally.error,
    consecutiveError: tally.consecutiveErrors,
    measurements: updated.measurements,
  };
  return { metric, verdict, entry };
}

/** Counters advanced by `mine` (in order), measurements appended and trimmed to the retention. */
function appendMeasurements(
  { name, retention }: Pick<RunMetric, 'name' | 'retention'>,
  stored: StoredMetricResult | undefined,
  mine: readonly TakenMeasurement[],
): StoredMetricResult {
  const tally = mine.reduce((t, m) => addMeasurement(t, m.phase), stored?.tally ?? EMPTY_TALLY);
  const newest = mine.at(-1);
  const last = newest ?? stored?.last;
  const measurements = [...(stored?.measurements ?? []), ...mine.map(record)];
  return {
    name,
    tally,
    measurements: measurements.slice(-retention),
    raw: stored?.raw ?? {},
    ...(last === undefined ? {} : { last: { phase: last.phase, finishedAt: last.finishedAt } }),
  };
}

/** The verdict's reason; for Failed and Error also what the newest measurement said. */
function metricMessage(verdict: MetricVerdict, newest: Json | undefined): string {
  const said = stringField(newest, 'message');
  const bad = verdict.phase === AnalysisPhase.Error || verdict.phase === AnalysisPhase.Failed;
  return bad && said !== undefined ? `${verdict.reason}; last: ${said}` : verdict.reason;
}

function stringField(object: Json | undefined, field: string): string | undefined {
  const value = object?.[field];
  return typeof value === 'string' ? value : undefined;
}

function summarize(metrics: readonly FoldedMetric[]): Summary {
  const count = (phase: AnalysisPhase): number =>
    metrics.filter((m) => m.verdict.phase === phase).length;
  return {
    count: metrics.length,
    successful: count(AnalysisPhase.Successful),
    failed: count(AnalysisPhase.Failed),
    inconclusive: count(AnalysisPhase.Inconclusive),
    error: count(AnalysisPhase.Error),
  };
}

function runMessage(
  phase: AnalysisPhase,
  metrics: readonly FoldedMetric[],
  fallback: string,
): string {
  const deciding = metrics.filter((m) => m.metric.policy.dryRun !== true);
  if (phase === AnalysisPhase.Successful || phase === AnalysisPhase.Running) {
    const dryBad = metrics.filter(
      (m) =>
        m.metric.policy.dryRun === true &&
        isFinished(m.verdict.phase) &&
        m.verdict.phase !== AnalysisPhase.Successful,
    );
    const note = dryBad.map((m) => `dry-run metric ${m.metric.name}: ${m.verdict.phase}`);
    return [fallback, ...note].join('; ');
  }
  return deciding
    .filter((m) => m.verdict.phase === phase)
    .map((m) => `metric ${m.metric.name}: ${phase} (${m.verdict.reason})${lastSeen(m)}`)
    .join('; ');
}

/** The newest measurement's value and query, so a person sees why without opening the run. */
function lastSeen(metric: FoldedMetric): string {
  const measurements: unknown = metric.entry.measurements;
  const newest = Array.isArray(measurements)
    ? (measurements.at(-1) as Json | undefined)
    : undefined;
  const value = stringField(newest, 'value');
  const query = stringField(newest, 'query');
  const said = stringField(newest, 'message');
  if (value === undefined && query === undefined && said === undefined) return '';
  const from = query === undefined ? '' : ` from ${query}`;
  return `; last value ${value ?? '(none)'}${from}${said === undefined ? '' : ` (${said})`}`;
}

export interface FoldInput {
  readonly spec: AnalysisRunSpec;
  readonly status: StoredRunStatus;
  readonly taken: readonly TakenMeasurement[];
  readonly now: string;
}

/** The status after `taken`: counters, kept measurements, metric phases, run phase and message. */
export function foldMeasurements(input: FoldInput): AnalysisRunStatus {
  const { spec, status, taken, now } = input;
  const folded = spec.metrics.map((metric) =>
    foldMetric(metric, resultOf(status, metric.name), taken, spec.terminate),
  );
  const known = new Set(spec.metrics.map((m) => m.name));
  const others = status.metricResults.filter((r) => !known.has(r.name)).map((r) => r.raw);
  const run = assessRun(
    folded.map((m) => ({
      name: m.metric.name,
      phase: m.verdict.phase,
      dryRun: m.metric.policy.dryRun === true,
    })),
  );
  const dry = folded.filter((m) => m.metric.policy.dryRun === true);
  const finished = isFinished(run.phase);
  const completedAt = finished ? (status.completedAt ?? now) : undefined;
  return {
    ...status.raw,
    phase: run.phase,
    message: runMessage(run.phase, folded, run.message),
    startedAt: status.startedAt ?? now,
    ...(completedAt === undefined ? {} : { completedAt }),
    runSummary: summarize(folded.filter((m) => m.metric.policy.dryRun !== true)),
    ...(dry.length > 0 ? { dryRunSummary: summarize(dry) } : {}),
    metricResults: [...folded.map((m) => m.entry), ...others],
  };
}

const PLACEHOLDERS = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * Header values with {{args.x}} replaced verbatim; a missing argument, or a value with a line
 * break or control character (which could smuggle another header), throws ArgumentError.
 */
export function substituteHeaders(
  headers: readonly { readonly key: string; readonly value: string }[],
  args: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of headers) {
    const value = header.value.replace(PLACEHOLDERS, (_, name: string) => {
      const found = Object.hasOwn(args, name) ? args[name] : undefined;
      if (found === undefined) {
        throw new ArgumentError(
          name,
          `header ${header.key} uses {{args.${name}}}, which has no value`,
        );
      }
      return found;
    });
    if (hasControlCharacter(value)) {
      throw new ArgumentError(
        header.key,
        `header ${header.key} would contain a line break or control character`,
      );
    }
    out[header.key] = value;
  }
  return out;
}

/** Tab is allowed in a header value; every other C0 control character and DEL is not. */
function hasControlCharacter(value: string): boolean {
  return [...value].some((ch) => {
    const code = ch.charCodeAt(0);
    return (code < 0x20 && ch !== '\t') || code === 0x7f;
  });
}
