// `npm start`: reconcile and tick in one process plus the local event bridge, against the
// current kubeconfig. Events go through the same Hono apps (in process, no socket) that serve
// them on Knative, so local and cluster behaviour are one code path.
import { Hono } from 'hono';
import { KubernetesRolloutStore } from '../adapters/kubernetes/rollouts.ts';
import { createReconcileHandler } from '../reconcile/handler.ts';
import { createApp } from '../runtime/app.ts';
import { kubernetesDeps, loadKubeConfig } from '../runtime/deps.ts';
import { createLogger } from '../runtime/logger.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { portFromEnv, serveApp } from '../runtime/serve.ts';
import { dueEventHeaders } from '../tick/dispatch.ts';
import { createTickHandler } from '../tick/handler.ts';
import { type Deliver, startPings, startWatches } from './bridge.ts';

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a number of seconds > 0, got "${raw}"`);
  return value;
}

function deliverTo(app: Hono, path: string): Deliver {
  return async (headers, body) => {
    const response = await app.request(path, { method: 'POST', headers, body });
    return response.status;
  };
}

const logger = createLogger().child({ function: 'local' });
const kc = loadKubeConfig();
const metrics = createMetrics({ defaults: true });
const deps = kubernetesDeps(kc);
const reconcile = createApp({
  handle: createReconcileHandler({ ...deps, metrics }),
  logger: logger.child({ function: 'reconcile' }),
  metrics,
});
const toReconcile = deliverTo(reconcile, '/');
const tick = createApp({
  handle: createTickHandler({
    rollouts: new KubernetesRolloutStore(kc),
    dispatch: async (ref, tickId) => {
      await toReconcile(dueEventHeaders(ref, tickId), JSON.stringify(ref));
    },
  }),
  logger: logger.child({ function: 'tick' }),
  metrics,
});

const root = new Hono();
root.route('/reconcile', reconcile);
root.route('/tick', tick);
root.get('/healthz', (c) => c.text('ok'));
root.get('/readyz', (c) => c.text('ok'));
root.get('/metrics', async (c) => {
  c.header('Content-Type', metrics.registry.contentType);
  return c.body(await metrics.registry.metrics());
});

serveApp(root, portFromEnv(8081), logger);
startWatches(kc, toReconcile, logger);
startPings(
  deliverTo(tick, '/'),
  seconds('KULTA_TICK_SECONDS', 2),
  seconds('KULTA_RESYNC_SECONDS', 60),
  logger,
);
logger.info(
  { cluster: kc.getCurrentCluster()?.server },
  'local runner: watching Rollouts and ReplicaSets',
);
