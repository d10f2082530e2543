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
// Loopback unless told otherwise: the dashboard's buttons act with this user's kubeconfig.
serveApp(runner.app, port, logger, '127.0.0.1');
logger.info(
  { cluster: kc.getCurrentCluster()?.server, dashboard: `http://127.0.0.1:${String(port)}/` },
  'local runner: watching Rollouts and ReplicaSets',
);
