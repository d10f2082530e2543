// Real HTTP requests through the real bed's Gateway: send a batch with a host name (and
// headers), count the answers per version the demo workload names in its body.
import { request } from 'node:http';

/** What a batch of requests saw: answers per version, and failures (5xx, resets). */
export interface Tally {
  readonly total: number;
  readonly versions: Readonly<Record<string, number>>;
  readonly failed: number;
}

/** One GET through the gateway; resolves with the status and the body. */
export function get(
  gateway: string,
  host: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: string }> {
  const [hostname = '', port = '80'] = gateway.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port: Number(port), path: '/', headers: { ...headers, host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`GET http://${host}/ timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The version a demo workload answer names (`VERSION` from its environment). */
export function versionOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

/** What sendRequests reports when every one of `n` requests was answered by `version`. */
export function allServedBy(version: string, n: number) {
  return { total: n, versions: { [version]: n }, failed: 0 };
}

/** Sends `count` requests, `concurrency` at a time, and tallies the answers. */
export async function sendRequests(
  gateway: string,
  host: string,
  count: number,
  options: { headers?: Readonly<Record<string, string>>; concurrency?: number } = {},
): Promise<Tally> {
  const versions: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      try {
        const res = await get(gateway, host, options.headers);
        const version = res.status < 500 ? versionOf(res.body) : undefined;
        if (version === undefined) failed += 1;
        else versions[version] = (versions[version] ?? 0) + 1;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return { total: count, versions, failed };
}

/** A steady load of real requests, tallied as it goes (for analysis and the live demo). */
export class Load {
  readonly #versions: Record<string, number> = {};
  #failed = 0;
  #total = 0;
  #running = true;
  readonly #workers: Promise<void>[];

  constructor(
    gateway: string,
    host: string,
    options: { concurrency?: number; pauseMs?: number; onAnswer?: (version?: string) => void } = {},
  ) {
    const worker = async (): Promise<void> => {
      while (this.#running) {
        let version: string | undefined;
        try {
          const res = await get(gateway, host);
          version = res.status < 500 ? versionOf(res.body) : undefined;
        } catch {
          version = undefined;
        }
        this.#total += 1;
        if (version === undefined) this.#failed += 1;
        else this.#versions[version] = (this.#versions[version] ?? 0) + 1;
        options.onAnswer?.(version);
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
    };
    this.#workers = Array.from({ length: options.concurrency ?? 4 }, worker);
  }

  /** What the load saw so far. */
  tally(): Tally {
    return { total: this.#total, versions: { ...this.#versions }, failed: this.#failed };
  }

  /** Stops sending and resolves with the whole tally once the requests in flight answered. */
  async stop(): Promise<Tally> {
    this.#running = false;
    await Promise.all(this.#workers);
    return this.tally();
  }
}
