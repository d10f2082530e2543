// Builders for analysis runs as CDEvents testsuiterun.started / testsuiterun.finished.
import type { ExperimentOutcome } from '../analysis/experiment.ts';
import { envelope, environmentOf } from './envelope.ts';
import {
  CDEVENT_TYPES,
  type CDEvent,
  type EnvironmentRef,
  type RolloutEventInput,
} from './types.ts';

/** The AnalysisRun being reported. */
export interface AnalysisRef {
  /** metadata.name of the AnalysisRun (subject.id is "<namespace>/<runName>"). */
  readonly runName: string;
  /** What it tests, e.g. the template name(s) "success-rate" or "success-rate+latency". */
  readonly suiteName: string;
}

/** Verdict of an analysis run, as KULTA's analysis reports it. */
export type AnalysisVerdict =
  /** Every metric passed. */
  | 'Successful'
  /** A metric failed beyond its failureLimit. */
  | 'Failed'
  /** Neither pass nor fail: a human must decide. */
  | 'Inconclusive'
  /** Measurements could not be taken (query errors beyond consecutiveErrorLimit). */
  | 'Error'
  /** The run was stopped before it finished (rollout aborted or superseded). */
  | 'Terminated';

/** testsuiterun.finished outcome values (schemas/testsuiterunfinished.json). */
export type TestOutcome = 'success' | 'failure' | 'cancel' | 'error';

/**
 * Verdict → outcome. Inconclusive maps to "error": the suite ran but could not reach a verdict,
 * which is neither a pass nor a measured failure; customData.details.verdict keeps the original.
 */
export const OUTCOME_OF_VERDICT = {
  Successful: 'success',
  Failed: 'failure',
  Inconclusive: 'error',
  Error: 'error',
  Terminated: 'cancel',
} as const satisfies Record<AnalysisVerdict, TestOutcome>;

export interface TestSuiteRef {
  readonly id: string;
  readonly name: string;
}

export interface TestSuiteRunStartedContent {
  readonly environment: EnvironmentRef;
  readonly testSuite: TestSuiteRef;
  readonly trigger: { readonly type: 'pipeline' };
}

export interface TestSuiteRunFinishedContent {
  readonly environment: EnvironmentRef;
  readonly testSuite: TestSuiteRef;
  readonly outcome: TestOutcome;
  readonly severity?: 'high';
  readonly reason?: string;
}

export type TestSuiteRunStartedEvent = CDEvent<
  typeof CDEVENT_TYPES.testSuiteRunStarted,
  TestSuiteRunStartedContent
>;
export type TestSuiteRunFinishedEvent = CDEvent<
  typeof CDEVENT_TYPES.testSuiteRunFinished,
  TestSuiteRunFinishedContent
>;

export interface AnalysisStartedInput extends RolloutEventInput {
  readonly analysis: AnalysisRef;
}

export interface AnalysisFinishedInput extends AnalysisStartedInput {
  readonly verdict: AnalysisVerdict;
  /** Why, for people, e.g. "success-rate: 0.91 failed result[0] >= 0.99". */
  readonly message?: string;
  /** A judged analysis (an A/B experiment): effect sizes and confidence per metric. */
  readonly experiments?: readonly ExperimentOutcome[];
}

function testSuiteOf(input: AnalysisStartedInput): TestSuiteRef {
  return {
    id: `${input.rollout.namespace}/${input.analysis.suiteName}`,
    name: input.analysis.suiteName,
  };
}

/** An AnalysisRun started; the Rollout's step triggered it, hence trigger "pipeline". */
export function testSuiteRunStarted(input: AnalysisStartedInput): TestSuiteRunStartedEvent {
  return envelope(input, {
    type: CDEVENT_TYPES.testSuiteRunStarted,
    subjectId: `${input.rollout.namespace}/${input.analysis.runName}`,
    idKey: input.analysis.runName,
    content: {
      environment: environmentOf(input.environment),
      testSuite: testSuiteOf(input),
      trigger: { type: 'pipeline' },
    },
    details: { analysisRunName: input.analysis.runName },
  });
}

/** An AnalysisRun reached a verdict (or was terminated). A failure carries severity "high". */
export function testSuiteRunFinished(input: AnalysisFinishedInput): TestSuiteRunFinishedEvent {
  const outcome = OUTCOME_OF_VERDICT[input.verdict];
  return envelope(input, {
    type: CDEVENT_TYPES.testSuiteRunFinished,
    subjectId: `${input.rollout.namespace}/${input.analysis.runName}`,
    idKey: input.analysis.runName,
    content: {
      environment: environmentOf(input.environment),
      testSuite: testSuiteOf(input),
      outcome,
      ...(outcome === 'failure' ? { severity: 'high' as const } : {}),
      ...(input.message === undefined ? {} : { reason: input.message }),
    },
    details: { analysisRunName: input.analysis.runName, verdict: input.verdict },
    ...(input.experiments ? { experiments: input.experiments } : {}),
  });
}
