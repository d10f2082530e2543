// Vitest global setup for integration tests: build Prometheus and unpack the browser tests'
// Chromium if they are not cached, reuse a running test bed, or start one and stop it again when
// the run ends. Tests read the kubeconfig path with `inject('kubeconfig')`.
import type { TestProject } from 'vitest/node';
import { startCluster, stopCluster } from './cluster.ts';
import { installCrds, installGatewayApi } from './crds.ts';
import { ensureChromium } from '../support/chromium.ts';
import { ensurePrometheus } from './tools.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Built or unpacked here once (minutes, cold) so no test's hook waits for them.
  await ensurePrometheus((line) => {
    console.error(line);
  });
  // Without a browser only the browser tests can fail (their launchBrowser says the same).
  await ensureChromium().catch((error: unknown) => {
    console.error(
      `browser tests will fail: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const { state, reused } = await startCluster((line) => {
    console.error(line);
  });
  try {
    await installGatewayApi(state.kubeconfig);
    await installCrds(state.kubeconfig);
  } catch (error) {
    if (!reused) await stopCluster(state.dir);
    throw error;
  }
  project.provide('kubeconfig', state.kubeconfig);
  return async () => {
    if (!reused) await stopCluster(state.dir);
  };
}
