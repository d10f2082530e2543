// Entry of the reconcile function: one stateless reconcile step per CloudEvent.
import { createApp } from '../runtime/app.ts';
import { kubernetesDeps, loadKubeConfig } from '../runtime/deps.ts';
import { createLogger } from '../runtime/logger.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { portFromEnv, serveApp } from '../runtime/serve.ts';
import { createReconcileHandler } from './handler.ts';

const logger = createLogger().child({ function: 'reconcile' });
const metrics = createMetrics({ defaults: true });
const deps = kubernetesDeps(loadKubeConfig());
const app = createApp({ handle: createReconcileHandler({ ...deps, metrics }), logger, metrics });
serveApp(app, portFromEnv(8080), logger);
