// The cluster the demo and the bench run on: the local test bed (started or reused, with the
// Gateway API and KULTA CRDs installed), or an explicit kubeconfig given with --kubeconfig.
// $KUBECONFIG is deliberately NOT honoured: the demo creates and deletes a namespace, and a
// shell's KUBECONFIG may point at a real cluster.
import { ApiException, type CoreV1Api } from '@kubernetes/client-node';
import { startCluster } from '../../test/bed/cluster.ts';
import { installCrds, installGatewayApi } from '../../test/bed/crds.ts';

export interface Cluster {
  readonly kubeconfig: string;
  /** True when this process started the test bed (it is left running either way). */
  readonly started: boolean;
}

/** The test bed (reused when already up) or `kubeconfig`; CRDs installed either way. */
export async function prepareCluster(
  kubeconfig: string | undefined,
  progress: (line: string) => void,
): Promise<Cluster> {
  let cluster: Cluster;
  if (kubeconfig !== undefined) {
    cluster = { kubeconfig, started: false };
  } else {
    const { state, reused } = await startCluster(progress);
    cluster = { kubeconfig: state.kubeconfig, started: !reused };
  }
  await installGatewayApi(cluster.kubeconfig);
  await installCrds(cluster.kubeconfig);
  return cluster;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function namespaceExists(core: CoreV1Api, name: string): Promise<boolean> {
  try {
    await core.readNamespace({ name });
    return true;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return false;
    throw error;
  }
}

/** Deletes `name` if present and waits until it is gone, then creates it afresh. */
export async function recreateNamespace(
  core: CoreV1Api,
  name: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (await namespaceExists(core, name)) {
    await deleteNamespace(core, name);
    while (await namespaceExists(core, name)) {
      if (Date.now() > deadline) {
        throw new Error(`namespace ${name} still terminating after ${String(timeoutMs / 1000)}s`);
      }
      await sleep(250);
    }
  }
  await core.createNamespace({ body: { metadata: { name } } });
}

/** Starts deleting `name` (the namespace controller finishes it); a missing one is fine. */
export async function deleteNamespace(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.deleteNamespace({ name });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return;
    throw error;
  }
}
