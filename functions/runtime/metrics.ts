// Prometheus metrics of the functions, counted in the shell (the core never counts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly events: Counter<'type' | 'result'>;
  readonly steps: Counter<'outcome'>;
  readonly errors: Counter<'kind'>;
  readonly stepSeconds: Histogram;
  readonly cdeventsSent: Counter;
  readonly cdeventsFailed: Counter;
  readonly cdeventsDeadLettered: Counter;
  readonly cdeventsDropped: Counter;
  readonly kubernetesEventsFailed: Counter;
  readonly cdeventsPending: Gauge<'rollout'>;
}

export function createMetrics(options: { defaults: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry, prefix: 'kulta_' });
  return {
    registry,
    events: new Counter({
      name: 'kulta_events_total',
      help: 'CloudEvents received, by kind and HTTP result',
      labelNames: ['type', 'result'],
      registers: [registry],
    }),
    steps: new Counter({
      name: 'kulta_reconcile_steps_total',
      help: 'Reconcile steps, by outcome (noop, applied, conflict, gone)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'kulta_errors_total',
      help: 'Failed requests, by handling policy (invalid, conflict, transient, stalled, bug)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    stepSeconds: new Histogram({
      name: 'kulta_reconcile_step_seconds',
      help: 'Duration of one reconcile step, from event to committed status and applied world',
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    cdeventsSent: new Counter({
      name: 'kulta_cdevents_sent_total',
      help: 'CDEvents the sink accepted (2xx)',
      registers: [registry],
    }),
    cdeventsFailed: new Counter({
      name: 'kulta_cdevents_failed_total',
      help: 'CDEvent deliveries that failed after retries (the event stays in the outbox)',
      registers: [registry],
    }),
    cdeventsDeadLettered: new Counter({
      name: 'kulta_cdevents_dead_lettered_total',
      help: 'CDEvents the sink refused for good (400, 413, 415, 422), moved to status.deadLetters',
      registers: [registry],
    }),
    cdeventsDropped: new Counter({
      name: 'kulta_cdevents_dropped_total',
      help: 'CDEvents a deleted Rollout still held when its grace for the sink ran out (lost)',
      registers: [registry],
    }),
    kubernetesEventsFailed: new Counter({
      name: 'kulta_kubernetes_events_failed_total',
      help: 'Kubernetes Events that could not be written (best effort: the step went on)',
      registers: [registry],
    }),
    cdeventsPending: new Gauge({
      name: 'kulta_cdevents_pending',
      help: "CDEvents waiting in a rollout's outbox after its last step",
      labelNames: ['rollout'],
      registers: [registry],
    }),
  };
}
