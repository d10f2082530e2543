// Judges one measurement: a query's answer plus the metric's conditions → a measurement phase.
import { ExpressionError, parseExpression } from './expression.ts';
import { evaluateCondition, type Value } from './expression-eval.ts';
import { toResultOutcome, type QueryData } from './prometheus-result.ts';

/** What one measurement concluded. */
export const MeasurementPhase = {
  /** The success condition held (or the failure condition did not). */
  Successful: 'Successful',
  /** The failure condition held, or the success condition did not. */
  Failed: 'Failed',
  /** Neither condition decided, or no data under the `inconclusive` policy: a human looks. */
  Inconclusive: 'Inconclusive',
  /** The value could not be obtained or judged: Prometheus down, bad query, bad condition. */
  Error: 'Error',
} as const;
export type MeasurementPhase = (typeof MeasurementPhase)[keyof typeof MeasurementPhase];

/** What a measurement with no data counts as. Never promote on missing data by default. */
export const NoDataPolicy = {
  /** No data is a failure (counts against failureLimit). */
  Fail: 'fail',
  /** No data needs a human (counts against inconclusiveLimit). The default. */
  Inconclusive: 'inconclusive',
  /** No data is fine, e.g. an error counter that is absent until the first error. */
  Pass: 'pass',
} as const;
export type NoDataPolicy = (typeof NoDataPolicy)[keyof typeof NoDataPolicy];

/** The part of a metric that judges a value. */
export interface MetricCheck {
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly noDataPolicy?: NoDataPolicy;
}

/** Why a query gave no answer: decides whether retrying can help. */
export const QueryFailureKind = {
  /** Network error, timeout, 5xx: may work next time. */
  Transient: 'transient',
  /** Prometheus refused the query (4xx, bad PromQL): will not work until the query changes. */
  Rejected: 'rejected',
  /** The answer was not a Prometheus API response. */
  InvalidResponse: 'invalid-response',
} as const;
export type QueryFailureKind = (typeof QueryFailureKind)[keyof typeof QueryFailureKind];

export interface QueryFailure {
  readonly kind: QueryFailureKind;
  readonly message: string;
  readonly httpStatus?: number;
}

/** A query as sent (arguments substituted) and what came back. */
export type QueryAnswer =
  | {
      readonly query: string;
      readonly ok: true;
      readonly data: QueryData;
      readonly warnings?: readonly string[];
    }
  | { readonly query: string; readonly ok: false; readonly failure: QueryFailure };

/** One finished measurement, ready for AnalysisRun status. */
export interface MeasurementResult {
  readonly phase: MeasurementPhase;
  /** The query as sent, so users see exactly what was asked. */
  readonly query: string;
  /** The value as shown to users, e.g. "[0.012]"; absent when there was none. */
  readonly value?: string;
  readonly message?: string;
  readonly noData: boolean;
  /** Set on Error measurements whose cause may go away by itself. */
  readonly transient?: boolean;
}

/**
 * Argo's rules: no condition → Successful; one condition alone decides both ways; with both, the
 * failure condition wins and neither holding is Inconclusive. Throws ExpressionError.
 */
export function judgeResult(check: MetricCheck, result: Value): MeasurementPhase {
  const { successCondition, failureCondition } = check;
  const hasSuccess = successCondition !== undefined && successCondition !== '';
  const hasFailure = failureCondition !== undefined && failureCondition !== '';
  if (!hasSuccess && !hasFailure) return MeasurementPhase.Successful;
  const succeeded = hasSuccess ? evaluateCondition(successCondition, { result }) : undefined;
  const failed = hasFailure ? evaluateCondition(failureCondition, { result }) : !succeeded;
  if (failed) return MeasurementPhase.Failed;
  if (succeeded ?? !failed) return MeasurementPhase.Successful;
  return MeasurementPhase.Inconclusive;
}

const NO_DATA_PHASE: Readonly<Record<NoDataPolicy, MeasurementPhase>> = {
  fail: MeasurementPhase.Failed,
  inconclusive: MeasurementPhase.Inconclusive,
  pass: MeasurementPhase.Successful,
};

/** Turns a query answer into a measurement. Never throws. */
export function evaluateMeasurement(check: MetricCheck, answer: QueryAnswer): MeasurementResult {
  const { query } = answer;
  if (!answer.ok) {
    const transient = answer.failure.kind === QueryFailureKind.Transient;
    return {
      phase: MeasurementPhase.Error,
      query,
      message: answer.failure.message,
      noData: false,
      transient,
    };
  }
  const outcome = toResultOutcome(answer.data);
  if (outcome.kind === 'no-data') {
    const policy = check.noDataPolicy ?? NoDataPolicy.Inconclusive;
    const message = `no data: ${outcome.reason} (noDataPolicy: ${policy})`;
    return { phase: NO_DATA_PHASE[policy], query, message, noData: true };
  }
  try {
    const phase = judgeResult(check, outcome.result);
    return { phase, query, value: outcome.display, noData: false };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    const message = `cannot evaluate the condition on ${outcome.display}: ${error.message}`;
    return { phase: MeasurementPhase.Error, query, value: outcome.display, message, noData: false };
  }
}

/** Checks both conditions parse, for spec validation; returns one message per problem. */
export function validateMetricCheck(check: MetricCheck): string[] {
  const problems: string[] = [];
  for (const field of ['successCondition', 'failureCondition'] as const) {
    const source = check[field];
    if (source === undefined || source === '') continue;
    try {
      parseExpression(source);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      problems.push(`${field}: ${error.message}`);
    }
  }
  return problems;
}
