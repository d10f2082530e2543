// The local runner: reconcile and tick apps in one process, fed by the local event bridge.
// Used by `npm start`, the demo and the integration tests alike.
import type { KubeConfig } from '@kubernetes/client-node';
import { Hono } from 'hono';
import { KubernetesRolloutStore } from '../adapters/kubernetes/rollouts.ts';
import { createDashboardApp } from '../dashboard/app.ts';
import { kubernetesDashboardDeps } from '../dashboard/kubernetes.ts';
import type { Clock } from '../ports.ts';
import { createReconcileHandler } from '../reconcile/handler.ts';
import { addOperationRoutes, createApp } from '../runtime/app.ts';
import { kubernetesDeps, systemClock } from '../runtime/deps.ts';
import type { Logger } from '../runtime/logger.ts';
import { createMetrics, type Metrics } from '../runtime/metrics.ts';
import { dueEventHeaders } from '../tick/dispatch.ts';
import { createTickHandler } from '../tick/handler.ts';
import { type Deliver, startPings, startWatches } from './bridge.ts';

export interface LocalRunnerOptions {
  readonly kc: KubeConfig;
  readonly logger: Logger;
  readonly tickSeconds: number;
  readonly resyncSeconds: number;
  readonly clock?: Clock;
  /** Process-wide default metrics (off in tests, where several runners share a process). */
  readonly defaultMetrics?: boolean;
  /** Configuration (K_SINK, K_CE_OVERRIDES, KULTA_*); process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LocalRunner {
  /**
   * Routes: /reconcile and /tick (each a function's app), /dashboard (`/` redirects there),
   * /healthz, /readyz, /metrics.
   */
  readonly app: Hono;
  readonly metrics: Metrics;
  stop(): void;
}

function deliverTo(app: Hono, path: string): Deliver {
  return async (headers, body) => {
    const response = await app.request(path, { method: 'POST', headers, body });
    return response.status;
  };
}

export function startLocalRunner(options: LocalRunnerOptions): LocalRunner {
  const { kc, logger } = options;
  const metrics = createMetrics({ defaults: options.defaultMetrics ?? false });
  const deps = kubernetesDeps(kc, options.clock ?? systemClock, options.env ?? process.env);
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
  const app = addOperationRoutes(new Hono(), { metrics });
  app.route('/reconcile', reconcile);
  app.route('/tick', tick);
  const dashboardLog = logger.child({ function: 'dashboard' });
  app.route('/dashboard/', createDashboardApp(kubernetesDashboardDeps(kc, dashboardLog)));
  for (const path of ['/', '/dashboard']) app.get(path, (c) => c.redirect('/dashboard/'));
  const stopWatches = startWatches(kc, toReconcile, logger);
  const stopPings = startPings(
    deliverTo(tick, '/'),
    options.tickSeconds,
    options.resyncSeconds,
    logger,
  );
  return {
    app,
    metrics,
    stop: () => {
      stopWatches();
      stopPings();
    },
  };
}
