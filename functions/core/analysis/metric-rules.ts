// spec.dryRun and spec.measurementRetention of an analysis: rules that name metrics by RE2
// pattern, matched as Argo Rollouts does (a search, not a whole match: "error" names
// "error-rate" too). KULTA also reads "*" as every metric. A rule that names no metric is an
// error, as in Argo, so a typo cannot leave a metric deciding that was meant to be dry.
import { RE2JS, RE2JSException } from '@bufbuild/re2';
import { RunSpecError, list, object, required, type Json } from './run-spec.ts';

/** Measurements Argo keeps per metric unless measurementRetention says otherwise. */
export const DEFAULT_MEASUREMENT_RETENTION = 10;
/** The most KULTA keeps: 32 metrics of this many measurements still fit an object. */
export const MAX_MEASUREMENT_RETENTION = 100;

/** The metric names `pattern` names; throws RunSpecError when it is no RE2 or names none. */
export function namedMetrics(pattern: string, names: readonly string[], field: string): string[] {
  if (pattern === '*') return [...names];
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    throw new RunSpecError(field, `is not a regular expression (RE2): ${error.message}`);
  }
  const named = names.filter((n) => regex.test(n));
  if (named.length === 0) {
    throw new RunSpecError(
      field,
      `"${pattern}" names no metric (the metrics: ${names.join(', ')})`,
    );
  }
  return named;
}

/** The metrics spec.dryRun puts in dry-run. */
export function dryRunMetrics(spec: Json, names: readonly string[]): ReadonlySet<string> {
  const dry = new Set<string>();
  list(spec.dryRun, 'spec.dryRun').forEach((d, i) => {
    const field = `spec.dryRun[${String(i)}].metricName`;
    const pattern = required(object(d, `spec.dryRun[${String(i)}]`).metricName, field);
    for (const name of namedMetrics(pattern, names, field)) dry.add(name);
  });
  return dry;
}

/** Measurements kept per metric: spec.measurementRetention's limit, the last rule winning. */
export function retentionLimits(spec: Json, names: readonly string[]): ReadonlyMap<string, number> {
  const limits = new Map<string, number>();
  list(spec.measurementRetention, 'spec.measurementRetention').forEach((r, i) => {
    const at = `spec.measurementRetention[${String(i)}]`;
    const rule = object(r, at);
    const pattern = required(rule.metricName, `${at}.metricName`);
    const limit = rule.limit;
    if (
      typeof limit !== 'number' ||
      !Number.isSafeInteger(limit) ||
      limit < 1 ||
      limit > MAX_MEASUREMENT_RETENTION
    ) {
      throw new RunSpecError(
        `${at}.limit`,
        `must be a whole number from 1 to ${String(MAX_MEASUREMENT_RETENTION)}, got ${JSON.stringify(limit)}`,
      );
    }
    for (const name of namedMetrics(pattern, names, `${at}.metricName`)) limits.set(name, limit);
  });
  return limits;
}
