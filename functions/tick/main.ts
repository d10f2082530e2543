// Entry of the tick function: PingSource pings in, one "due" event per active rollout out.
import { parseCeOverrides } from '../adapters/event-sink.ts';
import { KubernetesRolloutStore } from '../adapters/kubernetes/rollouts.ts';
import { createApp } from '../runtime/app.ts';
import { loadKubeConfig } from '../runtime/deps.ts';
import { createLogger } from '../runtime/logger.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { portFromEnv, serveApp } from '../runtime/serve.ts';
import { sinkDispatcher } from './dispatch.ts';
import { createTickHandler } from './handler.ts';

const logger = createLogger().child({ function: 'tick' });
const sink = process.env.K_SINK;
if (!sink) {
  logger.fatal(
    'K_SINK is not set: the tick sends due rollouts to the Broker through it (SinkBinding)',
  );
  process.exit(1);
}
const metrics = createMetrics({ defaults: true });
const rollouts = new KubernetesRolloutStore(loadKubeConfig());
const app = createApp({
  handle: createTickHandler({
    rollouts,
    dispatch: sinkDispatcher(sink, parseCeOverrides(process.env.K_CE_OVERRIDES)),
  }),
  logger,
  metrics,
});
serveApp(app, portFromEnv(8080), logger);
