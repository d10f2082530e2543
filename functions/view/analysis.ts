// AnalysisRuns as people read them: each metric's counters and measurements, and the last
// verdict of each analysis the Rollout's status names, with the value that decided it.
import { isObject, obj, str } from '../core/rollout/json-read.ts';
import type { AnalysisRunSummary, JsonObject, RolloutStatus } from '../core/rollout/types.ts';
import type { AnalysisRunView, AnalysisVerdictView, MeasurementView, MetricView } from './types.ts';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function measurementView(raw: unknown): MeasurementView {
  const m = obj(raw);
  return {
    phase: str(m.phase) ?? 'Pending',
    value: str(m.value),
    query: str(m.query),
    message: str(m.message),
    startedAt: str(m.startedAt),
    finishedAt: str(m.finishedAt),
  };
}

function metricView(raw: unknown): MetricView {
  const r = obj(raw);
  const measurements = Array.isArray(r.measurements) ? r.measurements.map(measurementView) : [];
  return {
    name: str(r.name) ?? '',
    phase: str(r.phase),
    dryRun: r.dryRun === true,
    successful: count(r.successful),
    failed: count(r.failed),
    inconclusive: count(r.inconclusive),
    error: count(r.error),
    measurements,
  };
}

export function analysisRunView(run: JsonObject): AnalysisRunView {
  const metadata = obj(run.metadata);
  const labels = obj(metadata.labels);
  const status = obj(run.status);
  const results = Array.isArray(status.metricResults) ? status.metricResults : [];
  return {
    name: str(metadata.name) ?? '',
    role: str(labels['kulta.io/analysis']),
    podTemplateHash: str(labels['rollouts-pod-template-hash']),
    phase: str(status.phase) ?? 'Pending',
    message: str(status.message),
    createdAt: str(metadata.creationTimestamp),
    startedAt: str(status.startedAt),
    completedAt: str(status.completedAt),
    metrics: results.filter(isObject).map(metricView),
  };
}

/** The newest measurement of a run over all its metrics, with the metric's name. */
export function lastMeasurement(
  run: AnalysisRunView,
): { readonly metric: string; readonly measurement: MeasurementView } | undefined {
  let best: { metric: string; measurement: MeasurementView } | undefined;
  for (const metric of run.metrics) {
    const m = metric.measurements.at(-1);
    if (!m) continue;
    const at = m.finishedAt ?? m.startedAt ?? '';
    const bestAt = best?.measurement.finishedAt ?? best?.measurement.startedAt ?? '';
    if (!best || at > bestAt) best = { metric: metric.name, measurement: m };
  }
  return best;
}

function verdict(
  source: AnalysisVerdictView['source'],
  summary: AnalysisRunSummary | undefined,
  runs: readonly AnalysisRunView[],
): AnalysisVerdictView | undefined {
  if (!summary?.name) return undefined;
  const run = runs.find((r) => r.name === summary.name);
  const last = run ? lastMeasurement(run) : undefined;
  return {
    source,
    run: summary.name,
    phase: summary.status,
    message: summary.message === '' ? undefined : summary.message,
    metric: last?.metric,
    value: last?.measurement.value,
    query: last?.measurement.query,
    measuredAt: last?.measurement.finishedAt ?? last?.measurement.startedAt,
  };
}

/** The verdicts the status names (step, background, blue-green pre/post promotion). */
export function analysisVerdicts(
  status: RolloutStatus,
  runs: readonly AnalysisRunView[],
): AnalysisVerdictView[] {
  return [
    verdict('step', status.canary?.currentStepAnalysisRunStatus, runs),
    verdict('background', status.canary?.currentBackgroundAnalysisRunStatus, runs),
    verdict('prePromotion', status.blueGreen?.prePromotionAnalysisRunStatus, runs),
    verdict('postPromotion', status.blueGreen?.postPromotionAnalysisRunStatus, runs),
  ].filter((v) => v !== undefined);
}
