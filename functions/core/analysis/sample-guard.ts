// A metric's minimum-sample guard: a second query (e.g. the request count over the window) that
// must reach a minimum before the metric's value means anything. Below it, the measurement is
// "no data" and the metric's noDataPolicy decides — a canary that got no traffic is never
// promoted on a ratio computed from nothing.
import {
  evaluateMeasurement,
  type MeasurementResult,
  type MetricCheck,
  type QueryAnswer,
} from './measurement.ts';
import { sampleValues } from './prometheus-result.ts';

export interface SampleGuard {
  /** PromQL whose (summed) value counts the samples behind the metric, e.g. requests. */
  readonly query: string;
  /** The least that counts; below it the measurement is no data. */
  readonly minimum: number;
}

/** Reads spec.metrics[].sampleGuard; undefined when absent. */
export function parseSampleGuard(value: unknown, field: string): SampleGuard | undefined {
  if (value === undefined) return undefined;
  const guard = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (typeof guard.query !== 'string' || guard.query.trim() === '') {
    throw new Error(`${field}.query: the guard needs a PromQL query`);
  }
  if (typeof guard.minimum !== 'number' || !Number.isFinite(guard.minimum) || guard.minimum < 0) {
    throw new Error(`${field}.minimum: must be a number ≥ 0`);
  }
  return { query: guard.query, minimum: guard.minimum };
}

/** Why the guard's answer is not enough, or undefined when the metric may be judged. */
export function guardShortfall(guard: SampleGuard, answer: QueryAnswer): string | undefined {
  if (!answer.ok) return `sample guard: ${answer.failure.message} (${answer.query})`;
  const total = sampleValues(answer.data)
    .filter((v) => Number.isFinite(v))
    .reduce((a, b) => a + b, 0);
  if (total >= guard.minimum) return undefined;
  return `sample guard: ${String(total)} < minimum ${String(guard.minimum)} (${answer.query})`;
}

/** The measurement of a metric whose guard fell short: no data, decided by its noDataPolicy. */
export function shortfallMeasurement(
  check: MetricCheck,
  query: string,
  why: string,
): MeasurementResult {
  const noData: QueryAnswer = { query, ok: true, data: { resultType: 'vector', samples: [] } };
  const result = evaluateMeasurement(check, noData);
  return { ...result, message: why };
}
