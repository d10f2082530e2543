// One measurement of a judged metric: each comparison classified from the data read, then scored.
import {
  compareProportions,
  compareSamples,
  scoreMetrics,
  verdictPhase,
  type MetricJudgement,
} from './judge.ts';
import type { MeasurementPhase } from './measurement.ts';
import type { ComparisonSpec, Json, JudgeSpec } from './run-spec.ts';
import type { ProportionCounts } from './statistics.ts';

/** What the shell read for one comparison. */
export type ComparisonData =
  | {
      readonly kind: 'samples';
      readonly canary: readonly number[];
      readonly baseline: readonly number[];
    }
  | {
      readonly kind: 'counts';
      readonly canary: ProportionCounts;
      readonly baseline: ProportionCounts;
    };

export interface JudgedMeasurement {
  readonly phase: MeasurementPhase;
  /** The score, e.g. "42.9". */
  readonly value: string;
  /** The verdict and every comparison's classification. */
  readonly message: string;
  /** For status: score, verdict, reason and each comparison. */
  readonly judge: Json;
}

function compare(spec: ComparisonSpec, data: ComparisonData): MetricJudgement {
  const common = {
    ...(spec.direction === undefined ? {} : { direction: spec.direction }),
    ...(spec.confidence === undefined ? {} : { confidence: spec.confidence }),
  };
  if (data.kind === 'samples') {
    return compareSamples(data.canary, data.baseline, {
      ...common,
      ...(spec.minRelativeEffect === undefined
        ? {}
        : { minRelativeEffect: spec.minRelativeEffect }),
      ...(spec.minSamples === undefined ? {} : { minSamples: spec.minSamples }),
    });
  }
  return compareProportions(data.canary, data.baseline, {
    ...common,
    ...(spec.minRateDifference === undefined ? {} : { minRateDifference: spec.minRateDifference }),
  });
}

/** Only finite numbers: JSON has no Infinity or NaN. */
function finite(fields: Readonly<Record<string, number | undefined>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, number] => Number.isFinite(e[1])),
  );
}

/** Classifies every comparison (data missing for one is NoData), scores, maps to a phase. */
export function judgeMeasurement(
  judge: JudgeSpec,
  data: ReadonlyMap<string, ComparisonData>,
): JudgedMeasurement {
  const judged = judge.comparisons.map((spec) => {
    const read = data.get(spec.name);
    const judgement: MetricJudgement =
      read === undefined
        ? { classification: 'NoData', reason: 'no data was read' }
        : compare(spec, read);
    return { spec, judgement };
  });
  const score = scoreMetrics(
    judged.map(({ spec, judgement }) => ({
      name: spec.name,
      classification: judgement.classification,
      ...(spec.weight === undefined ? {} : { weight: spec.weight }),
      ...(spec.critical === undefined ? {} : { critical: spec.critical }),
      ...(spec.mustHaveData === undefined ? {} : { mustHaveData: spec.mustHaveData }),
    })),
    {
      ...(judge.pass === undefined ? {} : { pass: judge.pass }),
      ...(judge.marginal === undefined ? {} : { marginal: judge.marginal }),
      ...(judge.maxNoDataFraction === undefined
        ? {}
        : { maxNoDataFraction: judge.maxNoDataFraction }),
    },
  );
  const classifications = judged.map(
    ({ spec, judgement }) => `${spec.name} ${judgement.classification} (${judgement.reason})`,
  );
  return {
    phase: verdictPhase(score.verdict),
    value: score.score.toFixed(1),
    message: `judge ${score.verdict}, ${score.reason}: ${classifications.join('; ')}`,
    judge: {
      ...finite({ score: score.score }),
      verdict: score.verdict,
      reason: score.reason,
      comparisons: judged.map(({ spec, judgement }) => ({
        name: spec.name,
        classification: judgement.classification,
        reason: judgement.reason,
        ...finite({
          pValue: judgement.pValue,
          confidence: judgement.confidence,
          effect: judgement.effect,
          relativeEffect: judgement.relativeEffect,
          canaryRate: judgement.canaryRate,
          baselineRate: judgement.baselineRate,
        }),
        ...(judgement.interval?.every(Number.isFinite) === true
          ? { interval: [...judgement.interval] }
          : {}),
      })),
    },
  };
}
