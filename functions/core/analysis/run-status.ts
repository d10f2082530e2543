// Parses an AnalysisRun's status (written by KULTA, possibly by an older version) into typed values.
import type { MeasurementPhase } from './measurement.ts';
import {
  RunSpecError,
  list,
  object,
  required,
  text,
  type StoredMetricResult,
  type StoredRunStatus,
} from './run-spec.ts';
import type { AnalysisPhase } from './verdict.ts';

const RUN_PHASES: readonly string[] = [
  'Pending',
  'Running',
  'Successful',
  'Failed',
  'Error',
  'Inconclusive',
];
const MEASUREMENT_PHASES: readonly string[] = ['Successful', 'Failed', 'Inconclusive', 'Error'];
/** Counters above this are refused: no real run measures that often. */
const MAX_COUNTER = 1_000_000;

function counter(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RunSpecError(field, 'must be a whole number ≥ 0');
  }
  if (value > MAX_COUNTER) throw new RunSpecError(field, `is above ${MAX_COUNTER}`);
  return value;
}

function time(value: unknown, field: string): string | undefined {
  const found = text(value, field);
  if (found !== undefined && Number.isNaN(Date.parse(found))) {
    throw new RunSpecError(field, `is not an RFC 3339 time: ${found}`);
  }
  return found;
}

function parseMeasurement(value: unknown, field: string) {
  const m = object(value, field);
  const phase = required(m.phase, `${field}.phase`);
  if (!MEASUREMENT_PHASES.includes(phase)) {
    throw new RunSpecError(`${field}.phase`, `is not a finished measurement phase: ${phase}`);
  }
  const finishedAt = time(m.finishedAt, `${field}.finishedAt`);
  if (finishedAt === undefined) throw new RunSpecError(`${field}.finishedAt`, 'is required');
  return { raw: m, phase: phase as MeasurementPhase, finishedAt };
}

function parseMetricResult(value: unknown, field: string): StoredMetricResult {
  const r = object(value, field);
  const parsed = list(r.measurements, `${field}.measurements`).map((m, i) =>
    parseMeasurement(m, `${field}.measurements[${i}]`),
  );
  const byPhase = (phase: string): number => parsed.filter((m) => m.phase === phase).length;
  let trailingErrors = 0;
  while (parsed.at(-1 - trailingErrors)?.phase === 'Error') trailingErrors += 1;
  const successful = counter(r.successful, `${field}.successful`, byPhase('Successful'));
  const failed = counter(r.failed, `${field}.failed`, byPhase('Failed'));
  const inconclusive = counter(r.inconclusive, `${field}.inconclusive`, byPhase('Inconclusive'));
  const error = counter(r.error, `${field}.error`, byPhase('Error'));
  const consecutiveErrors = counter(
    r.consecutiveError,
    `${field}.consecutiveError`,
    trailingErrors,
  );
  if (consecutiveErrors > error) {
    throw new RunSpecError(`${field}.consecutiveError`, 'cannot be above error');
  }
  const last = parsed.at(-1);
  const tally = {
    count: successful + failed + inconclusive,
    successful,
    failed,
    inconclusive,
    error,
    consecutiveErrors,
  };
  return {
    name: required(r.name, `${field}.name`),
    tally,
    measurements: parsed.map((m) => m.raw),
    raw: r,
    ...(last === undefined ? {} : { last: { phase: last.phase, finishedAt: last.finishedAt } }),
  };
}

/** The run's status, typed (missing counters are counted from the measurements). */
export function parseRunStatus(value: unknown): StoredRunStatus {
  if (value === undefined) return { raw: {}, metricResults: [] };
  const status = object(value, 'status');
  const phase = text(status.phase, 'status.phase');
  if (phase !== undefined && !RUN_PHASES.includes(phase)) {
    throw new RunSpecError('status.phase', `unknown phase ${phase}`);
  }
  const startedAt = time(status.startedAt, 'status.startedAt');
  const completedAt = time(status.completedAt, 'status.completedAt');
  const metricResults = list(status.metricResults, 'status.metricResults').map((r, i) =>
    parseMetricResult(r, `status.metricResults[${i}]`),
  );
  return {
    raw: status,
    metricResults,
    ...(phase === undefined ? {} : { phase: phase as AnalysisPhase }),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(completedAt === undefined ? {} : { completedAt }),
  };
}
