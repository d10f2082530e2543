// The demo workload's behaviour, kept pure: its settings parsed from the environment (errors
// name the variable and the fix) and the answer to one request, with the dice passed in.

/** What the demo server does, from VERSION, ERROR_RATE, LATENCY_MS and PORT. */
export interface DemoConfig {
  /** Named in every answer of `GET /`, so a client sees which version served it. */
  readonly version: string;
  /** Share of `GET /` answered 500, 0–1. */
  readonly errorRate: number;
  /** Delay before every answer of `GET /`, in milliseconds. */
  readonly latencyMs: number;
  readonly port: number;
}

/** Reads the settings; throws naming the variable that is wrong and what it must be. */
export function parseDemoConfig(env: Readonly<Record<string, string | undefined>>): DemoConfig {
  const version = env.VERSION?.trim() ?? '';
  if (version === '') throw new Error('VERSION must be set: the version this server names');
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name}="${raw}" is not a number`);
    return value;
  };
  const errorRate = number('ERROR_RATE', 0);
  if (errorRate < 0 || errorRate > 1) {
    throw new Error(
      `ERROR_RATE=${String(errorRate)} must be between 0 and 1 (a share of requests)`,
    );
  }
  const latencyMs = number('LATENCY_MS', 0);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) {
    throw new Error(`LATENCY_MS=${String(latencyMs)} must be a whole number of milliseconds ≥ 0`);
  }
  const port = number('PORT', 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT=${String(port)} must be a TCP port (1–65535)`);
  }
  return { version, errorRate, latencyMs, port };
}

/** One answer: status, JSON body, and how long to wait before sending it. */
export interface DemoAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly delayMs: number;
}

/**
 * The answer to `method path`. `roll` is a uniform draw in [0, 1): `GET /` fails when it falls
 * below the error rate. Health and readiness never wait and never fail.
 */
export function answer(config: DemoConfig, method: string, path: string, roll: number): DemoAnswer {
  const route = path.split('?')[0] ?? path;
  if (route === '/healthz' || route === '/readyz') {
    return { status: 200, body: { status: 'ok', version: config.version }, delayMs: 0 };
  }
  if (route !== '/') return { status: 404, body: { error: `no route ${route}` }, delayMs: 0 };
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, body: { error: `${method} is not allowed on /` }, delayMs: 0 };
  }
  const failed = roll < config.errorRate;
  return {
    status: failed ? 500 : 200,
    body: { version: config.version, ok: !failed },
    delayMs: config.latencyMs,
  };
}
