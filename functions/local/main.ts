// `npm start`: reconcile and tick in one process plus the local event bridge, against the
// current kubeconfig. Events go through the same Hono apps (in process, no socket) that serve
// them on Knative, so local and cluster behaviour are one code path.
import { loadKubeConfig } from '../runtime/deps.ts';
import { createLogger } from '../runtime/logger.ts';
import { portFromEnv, serveApp } from '../runtime/serve.ts';
import { startLocalRunner } from './runner.ts';

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a number of seconds > 0, got "${raw}"`);
  }
  return value;
}

const logger = createLogger().child({ function: 'local' });
const kc = loadKubeConfig();
const runner = startLocalRunner({
  kc,
  logger,
  tickSeconds: seconds('KULTA_TICK_SECONDS', 2),
  resyncSeconds: seconds('KULTA_RESYNC_SECONDS', 60),
  defaultMetrics: true,
});
const port = portFromEnv(8081);
serveApp(runner.app, port, logger);
logger.info(
  { cluster: kc.getCurrentCluster()?.server, dashboard: `http://localhost:${String(port)}/` },
  'local runner: watching Rollouts and ReplicaSets',
);
