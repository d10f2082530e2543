// A real Prometheus (test/support/prometheus.ts) behind a front that goes down and up: while
// down its port refuses connections, exactly what a client sees of a Prometheus that is not
// running; while up it forwards every request to the real server. Analysis templates use the
// front's address, so Prometheus can be down, flapping on a seeded schedule, or back for good.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrometheus, type PrometheusOptions, type TestPrometheus } from '../prometheus.ts';
import type { Random } from './seeded.ts';

export interface FlapSchedule {
  /** How long each up and each down window lasts, in ms, [min, max] (seeded). */
  readonly upMs: readonly [number, number];
  readonly downMs: readonly [number, number];
}

export class FlappingPrometheus {
  readonly #random: Random;
  #prometheus: TestPrometheus | undefined;
  #server: Server | undefined;
  #port = 0;
  #flapping: Promise<void> | undefined;
  #stopFlapping = false;
  /** Requests forwarded, and down windows so far (with their total length). */
  forwarded = 0;
  downWindows = 0;
  downMs = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  /** The address analysis templates use: the front, not Prometheus itself. */
  get url(): string {
    return `http://127.0.0.1:${String(this.#port)}`;
  }

  /** The real Prometheus, for the test's own queries. */
  get prometheus(): TestPrometheus {
    if (!this.#prometheus) throw new Error('FlappingPrometheus is not started');
    return this.#prometheus;
  }

  get isUp(): boolean {
    return this.#server !== undefined;
  }

  async start(options: PrometheusOptions): Promise<void> {
    this.#prometheus = await startPrometheus(options);
    await this.up();
  }

  /** Opens the front on its port (the same port every time). */
  async up(): Promise<void> {
    if (this.#server) return;
    const target = new URL(this.prometheus.url);
    const server = createServer((req, res) => {
      this.forwarded += 1;
      const out = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => {
        req.socket.destroy();
      });
      req.pipe(out);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the front: connections are refused, open ones are cut. */
  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  /** Goes down and up on a seeded schedule until stopFlapping(); starts with a down window. */
  flap(schedule: FlapSchedule): void {
    this.#stopFlapping = false;
    const loop = async (): Promise<void> => {
      while (!this.#stopFlapping) {
        const down = this.#random.int(...schedule.downMs);
        await this.down();
        this.downWindows += 1;
        this.downMs += down;
        await sleep(down);
        await this.up();
        await sleep(this.#random.int(...schedule.upMs));
      }
    };
    this.#flapping = loop();
  }

  /** Ends the flapping with the front up. */
  async stopFlapping(): Promise<void> {
    this.#stopFlapping = true;
    await this.#flapping;
    await this.up();
  }

  async stop(): Promise<void> {
    this.#stopFlapping = true;
    await this.#flapping;
    await this.down();
    await this.#prometheus?.stop();
  }
}
