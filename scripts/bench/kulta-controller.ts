// KULTA as one controller process for the side-by-side bench: the local runner's parts
// (reconcile and tick apps, the bridge's ApiServerSource-shaped events, PingSource-shaped
// pings) with its watches limited to ONE namespace, so it never steps on the shared test bed's
// other Rollouts. Run as a child process, so its requests (through the counting proxy its
// kubeconfig points at) and its RSS are its own.
//
//   KUBECONFIG=… KULTA_BENCH_NAMESPACE=ns PORT=… node scripts/bench/kulta-controller.ts
import { Hono } from 'hono';
import { KubernetesRolloutStore } from '../../functions/adapters/kubernetes/rollouts.ts';
import { type Deliver, startPings, startWatches } from '../../functions/local/bridge.ts';
import { createReconcileHandler } from '../../functions/reconcile/handler.ts';
import { addOperationRoutes, createApp } from '../../functions/runtime/app.ts';
import { kubernetesDeps, loadKubeConfig } from '../../functions/runtime/deps.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { createMetrics } from '../../functions/runtime/metrics.ts';
import { portFromEnv, serveApp } from '../../functions/runtime/serve.ts';
import { dueEventHeaders } from '../../functions/tick/dispatch.ts';
import { createTickHandler } from '../../functions/tick/handler.ts';

const namespace = process.env.KULTA_BENCH_NAMESPACE;
if (!namespace) throw new Error('KULTA_BENCH_NAMESPACE must name the namespace to watch');
const logger = createLogger().child({ function: 'bench-controller' });
const kc = loadKubeConfig();
const metrics = createMetrics({ defaults: true });
const reconcile = createApp({
  handle: createReconcileHandler({ ...kubernetesDeps(kc), metrics }),
  logger,
  metrics,
});

const deliverTo =
  (app: Hono): Deliver =>
  async (headers, body) =>
    (await app.request('/', { method: 'POST', headers, body })).status;
const toReconcile = deliverTo(reconcile);

const tick = createApp({
  handle: createTickHandler({
    rollouts: new KubernetesRolloutStore(kc),
    // The tick lists active Rollouts cluster-wide; this controller serves one namespace.
    dispatch: async (ref, tickId) => {
      if (ref.namespace !== namespace) return;
      await toReconcile(dueEventHeaders(ref, tickId), JSON.stringify(ref));
    },
  }),
  logger,
  metrics,
});

const seconds = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
startWatches(kc, toReconcile, logger, { namespace });
startPings(
  deliverTo(tick),
  seconds('KULTA_TICK_SECONDS', 2),
  seconds('KULTA_RESYNC_SECONDS', 60),
  logger,
);
const app = addOperationRoutes(new Hono(), { metrics });
serveApp(app, portFromEnv(8081), logger);
