// The dashboard as a Hono app: the page and its browser modules, JSON reads of the rollouts,
// live updates (SSE), and promote/abort/retry. Mounted by the local runner under /dashboard and
// served alone by its own Knative Service (main.ts). Every URL the page uses is relative, so it
// works under any prefix: mount it at `<prefix>/` (the page's URL needs its trailing slash).
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RolloutRef } from '../ports.ts';
import { errorKind, type ErrorKind } from '../runtime/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import { RolloutNotFoundError } from '../view/rollout-detail.ts';
import { RolloutAction, type RolloutOperator, type RolloutReader } from './ports.ts';
import {
  isJson,
  isSameOrigin,
  parseActionBody,
  parseName,
  parseNamespace,
  parseNamespaceFilter,
} from './request.ts';
import { loadStaticFiles, type StaticFile } from './static.ts';
import { streamChanges, type StreamSource, type StreamTiming } from './stream.ts';

export interface DashboardDeps {
  readonly reader: RolloutReader;
  readonly operator: RolloutOperator;
  readonly logger: Logger;
  /** Live-update timing; defaults: read every second, keep-alive every 15 s, no end. */
  readonly stream?: Partial<StreamTiming>;
  /** The browser files; static/ beside this module by default. */
  readonly files?: ReadonlyMap<string, StaticFile>;
}

/** HTTP status per handling policy of a failed read or action. */
const statusFor: Record<ErrorKind, 400 | 403 | 409 | 500 | 503> = {
  invalid: 400,
  conflict: 409,
  stalled: 403,
  transient: 503,
  bug: 500,
};

// The page loads only its own files; nothing inline, no other origin, no framing.
const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

function failure(c: Context, error: unknown, log: Logger, ref?: RolloutRef): Response {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RolloutNotFoundError) {
    const what = ref ? `Rollout ${ref.namespace}/${ref.name}` : 'the Rollout';
    return c.json({ error: `${what} not found` }, 404);
  }
  const kind = errorKind(error);
  if (kind === 'bug') log.error({ err: error }, 'dashboard request failed');
  return c.json({ error: message, kind }, statusFor[kind]);
}

function serveFile(c: Context, file: StaticFile | undefined): Response {
  if (!file) return c.json({ error: `no such file: ${c.req.path}` }, 404);
  return c.body(file.body, 200, { ...securityHeaders, 'Content-Type': file.contentType });
}

/** GET /api/stream?namespace=&name=: one rollout's detail, else the (namespace's) list. */
function streamSource(c: Context, reader: RolloutReader): StreamSource {
  const name = c.req.query('name');
  if (name === undefined || name === '') {
    const namespace = parseNamespaceFilter(c.req.query('namespace'));
    return { event: 'rollouts', read: () => reader.list(namespace) };
  }
  const ref: RolloutRef = {
    namespace: parseNamespace('namespace', c.req.query('namespace')),
    name: parseName('name', name),
  };
  return { event: 'rollout', read: () => reader.detail(ref) };
}

async function act(c: Context, deps: DashboardDeps, action: RolloutAction): Promise<Response> {
  if (!isSameOrigin(c.req.header('origin'), c.req.header('host'))) {
    return c.json({ error: 'actions are accepted only from the dashboard page itself' }, 403);
  }
  if (!isJson(c.req.header('content-type'))) {
    return c.json({ error: 'send the action as Content-Type: application/json' }, 400);
  }
  let ref: RolloutRef | undefined;
  try {
    ref = parseActionBody(await c.req.text());
    const message = await deps.operator.act(ref, action);
    deps.logger.info(
      { rollout: `${ref.namespace}/${ref.name}`, action, message },
      'dashboard action',
    );
    return c.json({ namespace: ref.namespace, name: ref.name, action, message });
  } catch (error) {
    return failure(c, error, deps.logger, ref);
  }
}

function addActionRoutes(app: Hono, deps: DashboardDeps): void {
  for (const action of Object.values(RolloutAction)) {
    const path = `/api/${action}`;
    app.post(
      path,
      bodyLimit({
        maxSize: 4096,
        onError: (c) => c.json({ error: 'the body must be at most 4096 bytes' }, 413),
      }),
      (c) => act(c, deps, action),
    );
    app.all(path, (c) => c.json({ error: `${action} takes POST only` }, 405, { Allow: 'POST' }));
  }
}

function addReadRoutes(app: Hono, deps: DashboardDeps): void {
  const { reader, logger } = deps;
  app.get('/api/rollouts', async (c) => {
    try {
      return c.json(await reader.list(parseNamespaceFilter(c.req.query('namespace'))));
    } catch (error) {
      return failure(c, error, logger);
    }
  });
  app.get('/api/rollouts/:namespace/:name', async (c) => {
    try {
      const ref = {
        namespace: parseNamespace('namespace', c.req.param('namespace')),
        name: parseName('name', c.req.param('name')),
      };
      const detail = await reader.detail(ref);
      if (detail === undefined) {
        return c.json({ error: `Rollout ${ref.namespace}/${ref.name} not found` }, 404);
      }
      return c.json(detail);
    } catch (error) {
      return failure(c, error, logger);
    }
  });
  const timing: StreamTiming = {
    intervalMs: deps.stream?.intervalMs ?? 1000,
    keepAliveMs: deps.stream?.keepAliveMs ?? 15_000,
    maxMs: deps.stream?.maxMs,
  };
  app.get('/api/stream', (c) => {
    try {
      return streamChanges(c, streamSource(c, reader), timing, logger);
    } catch (error) {
      return failure(c, error, logger);
    }
  });
}

export function createDashboardApp(deps: DashboardDeps): Hono {
  const files = deps.files ?? loadStaticFiles();
  const app = new Hono();
  app.get('/', (c) => serveFile(c, files.get('index.html')));
  app.get('/assets/:file', (c) => serveFile(c, files.get(c.req.param('file'))));
  addReadRoutes(app, deps);
  addActionRoutes(app, deps);
  return app;
}
