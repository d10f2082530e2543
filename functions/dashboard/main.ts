// Entry of the dashboard as its own Knative Service: the page, its JSON and live updates, and
// promote/abort/retry, on $PORT, plus /healthz, /readyz and /metrics.
import { Hono } from 'hono';
import { addOperationRoutes } from '../runtime/app.ts';
import { loadKubeConfig } from '../runtime/deps.ts';
import { createLogger } from '../runtime/logger.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { portFromEnv, serveApp } from '../runtime/serve.ts';
import { createDashboardApp } from './app.ts';
import { kubernetesDashboardDeps } from './kubernetes.ts';

function streamSeconds(): number | undefined {
  const raw = process.env.KULTA_DASHBOARD_STREAM_SECONDS;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`KULTA_DASHBOARD_STREAM_SECONDS must be a number of seconds > 0, got "${raw}"`);
  }
  return value;
}

const logger = createLogger().child({ function: 'dashboard' });
const metrics = createMetrics({ defaults: true });
const seconds = streamSeconds();
// A live stream ends before the platform's request timeout cuts it; the page reconnects.
const stream = seconds === undefined ? undefined : { maxMs: seconds * 1000 };
const app = addOperationRoutes(new Hono(), { metrics });
app.route('/', createDashboardApp(kubernetesDashboardDeps(loadKubeConfig(), logger, stream)));
serveApp(app, portFromEnv(8080), logger);
