// The shared Hono runtime of every function: POST / takes one CloudEvent, health and metrics
// routes, and the one place where errors become HTTP statuses.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorKind, type ErrorKind } from './errors.ts';
import { parseIncoming, type Incoming } from './incoming.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export interface AppDeps {
  /** Handles one decoded event; throws the errors of errors.ts. */
  readonly handle: (event: Incoming, log: Logger) => Promise<void>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Largest request body accepted; larger ones get 413. Default 3 MiB (etcd's object cap is 1.5 MiB). */
  readonly maxBodyBytes?: number;
  /** Readiness beyond "the process serves"; default ready. */
  readonly ready?: () => Promise<boolean>;
}

/** HTTP status per handling policy: ack what retrying cannot fix, 503 what it can. */
const statusFor: Record<ErrorKind, 202 | 400 | 500 | 503> = {
  invalid: 400,
  conflict: 202,
  stalled: 202,
  transient: 503,
  bug: 500,
};

function headersOf(c: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return headers;
}

async function receive(c: Context, deps: AppDeps): Promise<Response> {
  const ceId = c.req.header('ce-id') ?? 'structured';
  // The event's kind once decoded; never the raw ce-type, which would let any sender mint
  // metric label values.
  let type: Incoming['kind'] | 'unknown' = 'unknown';
  try {
    const event = parseIncoming(headersOf(c), await c.req.text());
    type = event.kind;
    await deps.handle(event, deps.logger.child({ ceId: event.id }));
    deps.metrics.events.inc({ type, result: '202' });
    return c.body(null, 202);
  } catch (error) {
    const kind = errorKind(error);
    const status = statusFor[kind];
    const message = error instanceof Error ? error.message : String(error);
    deps.metrics.errors.inc({ kind });
    deps.metrics.events.inc({ type, result: String(status) });
    const log = deps.logger.child({ ceId });
    if (kind === 'bug') log.error({ err: error }, 'event failed');
    else log.warn({ kind, message }, 'event not handled');
    return status === 202 ? c.body(null, 202) : c.json({ error: message, kind }, status);
  }
}

/** Liveness, readiness and Prometheus metrics: the routes every KULTA process serves. */
export function addOperationRoutes(app: Hono, deps: Pick<AppDeps, 'metrics' | 'ready'>): Hono {
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', async (c) =>
    (await (deps.ready?.() ?? true)) ? c.text('ok') : c.text('not ready', 503),
  );
  app.get('/metrics', async (c) => {
    c.header('Content-Type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
  return app;
}

export function createApp(deps: AppDeps): Hono {
  const app = addOperationRoutes(new Hono(), deps);
  const maxSize = deps.maxBodyBytes ?? 3 * 1024 * 1024;
  app.post(
    '/',
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json(
          { error: `request body larger than ${String(maxSize)} bytes`, kind: 'invalid' },
          413,
        ),
    }),
    (c) => receive(c, deps),
  );
  return app;
}
