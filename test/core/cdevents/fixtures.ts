// Builders for CDEvent builder input and one sample of every event type KULTA emits.
import {
  deriveChainId,
  incidentDetected,
  rolloutAborted,
  rolloutPaused,
  rolloutPromoted,
  rolloutResumed,
  rolloutStepStarted,
  rolloutWeightChanged,
  serviceDeployed,
  serviceRemoved,
  serviceRolledBack,
  serviceUpgraded,
  testSuiteRunFinished,
  testSuiteRunStarted,
  type CDEvent,
  type RolloutEventInput,
} from '../../../functions/core/cdevents/index.ts';

export const DIGEST = 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';
export const UID = '5f0c6b1e-2d7a-4c35-9d7e-1b2a3c4d5e6f';

/** A complete, valid input; override what a test is about. */
export function anInput(overrides: Partial<RolloutEventInput> = {}): RolloutEventInput {
  return {
    rollout: { namespace: 'shop', name: 'checkout', uid: UID },
    counter: 7,
    timestamp: '2026-05-01T12:00:00.123Z',
    source: '/kulta/prod-eu-1',
    environment: { id: 'prod-eu-1/shop', source: '/kulta/prod-eu-1' },
    revision: { podTemplateHash: '6d4f8b9c7', image: `ghcr.io/acme/checkout:v2.1.0@${DIGEST}` },
    chainId: deriveChainId(UID, '6d4f8b9c7'),
    sourceLinks: {
      gitCommit: '9fceb02d0ae598e95dc970b74767f19372d61af8',
      gitRepository: 'https://github.com/acme/checkout',
    },
    ...overrides,
  };
}

const stable = { podTemplateHash: '58c7d9f6b', image: 'ghcr.io/acme/checkout:v2.0.3' };
const analysis = { runName: 'checkout-6d4f8b9c7-2', suiteName: 'success-rate' };

/** One event of every type KULTA emits, built from the same input (named rows for it.each). */
export function everyEvent(input: RolloutEventInput = anInput()): [string, CDEvent][] {
  return [
    ['service.deployed', serviceDeployed(input)],
    ['service.upgraded', serviceUpgraded(input)],
    [
      'service.rolledback',
      serviceRolledBack({
        ...input,
        rolledBackTo: stable,
        reason: 'AnalysisFailed',
        message: 'error rate 7%',
      }),
    ],
    ['service.removed', serviceRemoved(input)],
    [
      'incident.detected',
      incidentDetected({
        ...input,
        reason: 'AnalysisFailed',
        description: 'success-rate 0.91 < 0.99',
        analysisRunName: analysis.runName,
      }),
    ],
    ['testsuiterun.started', testSuiteRunStarted({ ...input, analysis })],
    [
      'testsuiterun.finished',
      testSuiteRunFinished({
        ...input,
        analysis,
        verdict: 'Failed',
        message: 'success-rate failed',
      }),
    ],
    [
      'kulta-rollout.stepstarted',
      rolloutStepStarted({ ...input, step: { index: 1, count: 4, kind: 'setWeight' } }),
    ],
    [
      'kulta-rollout.weightchanged',
      rolloutWeightChanged({ ...input, weight: { canary: 20, stable: 80, previousCanary: 5 } }),
    ],
    [
      'kulta-rollout.paused',
      rolloutPaused({
        ...input,
        pause: { reason: 'CanaryPauseStep', until: '2026-05-01T12:05:00Z' },
      }),
    ],
    [
      'kulta-rollout.resumed',
      rolloutResumed({ ...input, resume: { reason: 'PauseDurationElapsed' } }),
    ],
    ['kulta-rollout.promoted', rolloutPromoted({ ...input, promotion: { full: true } })],
    [
      'kulta-rollout.aborted',
      rolloutAborted({ ...input, abort: { reason: 'AnalysisFailed', message: 'error rate 7%' } }),
    ],
  ];
}
