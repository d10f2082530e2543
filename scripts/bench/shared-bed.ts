// The test bed is shared: while another engineer's integration tests run, their local runner
// watches Rollouts in EVERY namespace and reconciles the bench's Rollouts too (extra steps,
// conflicts, pods). The bench cannot stop them; it looks for them with a probe Rollout, waits a
// bounded time for a quiet bed, and records what it found next to the figures.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestKube } from '../../test/support/clients.ts';

const api = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' } as const;

function probeRollout(name: string): Record<string, unknown> {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/probe:1' }] },
      },
      strategy: { canary: { steps: [{ setWeight: 50 }] } },
    },
  };
}

/** True when something wrote a status on a fresh Rollout in `namespace` within `waitMs`. */
export async function foreignReconciler(
  kube: TestKube,
  namespace: string,
  waitMs = 3_000,
): Promise<boolean> {
  const name = `probe-${String(Date.now())}`;
  await kube.custom.createNamespacedCustomObject({
    ...api,
    namespace,
    body: probeRollout(name),
  });
  try {
    await sleep(waitMs);
    const probe = (await kube.custom.getNamespacedCustomObject({ ...api, namespace, name })) as {
      status?: Record<string, unknown>;
    };
    return Object.keys(probe.status ?? {}).length > 0;
  } finally {
    await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name });
  }
}

export interface BedCheck {
  /** Whether another reconciler was still active when the bench went ahead. */
  readonly foreignReconciler: boolean;
  readonly waitedSeconds: number;
}

/** Probes until no foreign reconciler answers, for at most `maxWaitMs`; then goes ahead. */
export async function waitForQuietBed(
  kube: TestKube,
  namespace: string,
  maxWaitMs: number,
  progress: (line: string) => void,
): Promise<BedCheck> {
  const t0 = performance.now();
  for (;;) {
    const busy = await foreignReconciler(kube, namespace);
    const waited = performance.now() - t0;
    if (!busy || waited >= maxWaitMs) {
      if (busy) progress('shared test bed: another reconciler is active; measuring anyway');
      return { foreignReconciler: busy, waitedSeconds: Math.round(waited / 1000) };
    }
    progress('shared test bed: another reconciler is active (someone runs tests); waiting');
    await sleep(10_000);
  }
}
