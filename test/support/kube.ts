// Clients for integration tests, and a throwaway namespace per test file.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { rolloutApi } from '../../functions/adapters/kubernetes/rollouts.ts';
import { cdeventsFinalizer } from '../../functions/core/removal.ts';
import { kubeClients, loadKubeConfigFile, type TestKube } from './clients.ts';

export type { TestKube };

export function testKube(): TestKube {
  return kubeClients(loadKubeConfigFile(inject('kubeconfig')));
}

/**
 * Lets the namespace's Rollouts go without KULTA: its finalizer (kulta.io/cdevents) waits for a
 * running KULTA to deliver their last CDEvents, and a test's runner is already stopped, so the
 * namespace would stay Terminating and later files' runners would find its Rollouts.
 */
async function releaseRollouts(kube: TestKube, namespace: string): Promise<void> {
  // A CRD just (re)installed answers 429 "storage is (re)initializing" for a moment.
  const list = (await eventually(
    `the Rollouts of namespace ${namespace}`,
    () =>
      kube.custom.listNamespacedCustomObject({
        ...rolloutApi,
        namespace,
      }) as Promise<unknown>,
    () => true,
    30_000,
  )) as { items: { metadata: { name: string; finalizers?: string[] } }[] };
  for (const item of list.items) {
    const finalizers = item.metadata.finalizers ?? [];
    if (!finalizers.includes(cdeventsFinalizer)) continue;
    await kube.custom.patchNamespacedCustomObject(
      {
        ...rolloutApi,
        namespace,
        name: item.metadata.name,
        body: { metadata: { finalizers: finalizers.filter((f) => f !== cdeventsFinalizer) } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

/** Creates a namespace with a unique name; returns it and a function that deletes it. */
export async function tempNamespace(
  kube: TestKube,
  prefix: string,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kube.core.createNamespace({ body: { metadata: { name } } });
  return {
    name,
    remove: async () => {
      await releaseRollouts(kube, name);
      await kube.core.deleteNamespace({ name });
    },
  };
}

/** Polls `read` until `done` holds, returning the last value; fails with `what` on timeout. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const seen = last === undefined ? String(lastError) : JSON.stringify(last);
  throw new Error(
    `timed out after ${String(timeoutMs)} ms waiting for ${what}; last seen: ${seen}`,
  );
}
