// fast-check generators for the planner's properties: canary Rollouts built with the fixture
// builders, operator actions and the passing of time, and arbitrary statuses and observed worlds.
import fc from 'fast-check';
import type { Observed, ObservedReplicaSet } from '../../../functions/core/observed.ts';
import type { JsonObject, RolloutStatus } from '../../../functions/core/rollout/types.ts';
import { aReplicaSet, aRollout } from '../../fixtures/rollout-builder.ts';

const step: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map((w) => ({ setWeight: w })),
  fc.constant({ pause: {} }),
  fc.integer({ min: 0, max: 120 }).map((d) => ({ pause: { duration: d } })),
  fc.integer({ min: 0, max: 100 }).map((w) => ({ setCanaryScale: { weight: w } })),
  fc.integer({ min: 0, max: 12 }).map((r) => ({ setCanaryScale: { replicas: r } })),
  fc.constant({ setCanaryScale: { matchTrafficWeight: true } }),
);

/** A canary Rollout (with or without traffic routing) as the API returns it, before any step. */
export function canaryRollout(): fc.Arbitrary<JsonObject> {
  return fc
    .record({
      replicas: fc.integer({ min: 0, max: 10 }),
      steps: fc.array(step, { maxLength: 6 }),
      routing: fc.boolean(),
      dynamicStableScale: fc.boolean(),
      maxSurge: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('25%', '50%', '100%')),
      maxUnavailable: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom('25%', '0%')),
    })
    .map((r) => {
      const builder = aRollout()
        .replicas(r.replicas)
        .steps(...r.steps);
      const canary: JsonObject = r.routing
        ? {
            dynamicStableScale: r.dynamicStableScale,
            scaleDownDelaySeconds: 5,
            abortScaleDownDelaySeconds: 5,
          }
        : {
            maxSurge: r.maxSurge,
            maxUnavailable: r.maxUnavailable === '0%' && r.maxSurge === 0 ? 1 : r.maxUnavailable,
          };
      return (r.routing ? builder : builder.withoutTrafficRouting()).canary(canary).build();
    });
}

/** What happens between two steps: time, pod readiness, a new image, the operator's patches. */
export type Operation =
  | { readonly kind: 'time'; readonly seconds: number }
  | { readonly kind: 'ripen'; readonly available: boolean }
  | { readonly kind: 'image'; readonly version: number }
  | { readonly kind: 'promote' }
  | { readonly kind: 'promoteFull' }
  | { readonly kind: 'abort' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'pause'; readonly paused: boolean };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .integer({ min: 1, max: 90 })
      .map((seconds) => ({ kind: 'time', seconds }) as const),
  },
  {
    weight: 4,
    arbitrary: fc.boolean().map((available) => ({ kind: 'ripen', available }) as const),
  },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 3 })
      .map((version) => ({ kind: 'image', version }) as const),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'promote' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'promoteFull' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'abort' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'retry' } as const) },
  { weight: 1, arbitrary: fc.boolean().map((paused) => ({ kind: 'pause', paused }) as const) },
);

export function operations(): fc.Arbitrary<Operation[]> {
  return fc.array(operation, { minLength: 1, maxLength: 30 });
}

const hashes = ['aaaa1111', 'bbbb2222', 'cccc3333'] as const;
const hash = fc.constantFrom(...hashes);
const time = fc
  .integer({
    min: Date.parse('2026-03-01T09:00:00.000Z'),
    max: Date.parse('2026-03-01T11:00:00.000Z'),
  })
  .map((t) => new Date(t).toISOString());

/** A status as any writer (or a person with kubectl) might have left it, typed as the CRD allows. */
export function arbitraryStatus(): fc.Arbitrary<RolloutStatus> {
  return fc
    .record(
      {
        stableRS: hash,
        currentPodHash: hash,
        currentStepIndex: fc.integer({ min: 0, max: 8 }),
        transition: fc.integer({ min: 0, max: 50 }),
        abort: fc.boolean(),
        abortedAt: time,
        abortScaleDownAt: time,
        promoteFull: fc.boolean(),
        controllerPause: fc.boolean(),
        pauseConditions: fc.constant([
          { reason: 'CanaryPauseStep', startTime: '2026-03-01T09:30:00.000Z' },
        ]),
        pauseEndsAt: time,
        canaryWeight: fc.integer({ min: 0, max: 100 }),
        retiring: fc.array(fc.record({ podTemplateHash: hash, scaleDownAt: time }), {
          maxLength: 2,
        }),
      },
      { requiredKeys: [] },
    )
    .map(({ canaryWeight, ...s }) => ({
      ...s,
      ...(canaryWeight === undefined
        ? {}
        : {
            canary: {
              weights: {
                canary: {
                  podTemplateHash: s.currentPodHash ?? '',
                  serviceName: 'web-canary',
                  weight: canaryWeight,
                },
                stable: {
                  podTemplateHash: s.stableRS ?? '',
                  serviceName: 'web-stable',
                  weight: 100 - canaryWeight,
                },
              },
            },
          }),
    }));
}

const replicaSet: fc.Arbitrary<ObservedReplicaSet> = fc
  .record({
    hash,
    replicas: fc.integer({ min: 0, max: 12 }),
    available: fc.integer({ min: 0, max: 12 }),
    revision: fc.integer({ min: 1, max: 5 }),
  })
  .map((r) =>
    aReplicaSet(r.hash, r.replicas, {
      revision: r.revision,
      availableReplicas: Math.min(r.available, r.replicas),
      readyReplicas: Math.min(r.available, r.replicas),
    }),
  );

/** An observed world: any ReplicaSets of known hashes, Services and a route in any state. */
export function arbitraryObserved(): fc.Arbitrary<Observed> {
  return fc
    .record({
      replicaSets: fc.uniqueArray(replicaSet, {
        maxLength: 3,
        selector: (rs) => rs.podTemplateHash,
      }),
      stableSelects: fc.option(hash, { nil: undefined }),
      canarySelects: fc.option(hash, { nil: undefined }),
      routeExists: fc.boolean(),
      routeWeight: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      consistent: fc.boolean(),
    })
    .map((w) => ({
      replicaSets: w.replicaSets,
      analysisRuns: [],
      services: [
        { name: 'web-stable', exists: true, podTemplateHash: w.stableSelects },
        { name: 'web-canary', exists: true, podTemplateHash: w.canarySelects },
      ],
      routes: [
        {
          namespace: 'shop',
          name: 'web-route',
          exists: w.routeExists,
          hasStable: w.routeExists,
          hasCanary: w.routeExists,
          stableWeight: w.routeWeight === undefined ? undefined : 100 - w.routeWeight,
          canaryWeight: w.routeWeight,
          consistent: w.consistent,
        },
      ],
    }));
}
