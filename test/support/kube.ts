// Clients for integration tests, and a throwaway namespace per test file.
import { randomBytes } from 'node:crypto';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  ApiextensionsV1Api,
  KubeConfig,
} from '@kubernetes/client-node';
import { inject } from 'vitest';

export interface TestKube {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly apiext: ApiextensionsV1Api;
}

export function testKube(): TestKube {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    apiext: kc.makeApiClient(ApiextensionsV1Api),
  };
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
