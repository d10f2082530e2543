// A broker stand-in for CDEvents: a real HTTP receiver on 127.0.0.1 that records every POST
// (headers and CDEvent body) and answers as its mode says — accept (202), fail (503), stall
// (never answers) — or is down altogether (listener closed: connection refused) for a while;
// events of the types in `refuseTypes` are refused for good (422), as a strict consumer would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CDEvent } from '../../../functions/core/cdevents/index.ts';

export type ReceiverMode = 'accept' | 'fail' | 'stall';

export class Receiver {
  readonly received: { headers: IncomingMessage['headers']; event: CDEvent }[] = [];
  mode: ReceiverMode = 'accept';
  /** POSTs answered 503 in mode 'fail', and left unanswered in mode 'stall'. */
  failed = 0;
  stalled = 0;
  /** CDEvent types answered 422 in mode 'accept' (recorded in `refused`, not `received`). */
  refuseTypes = new Set<string>();
  readonly refused: CDEvent[] = [];
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res);
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${String(this.port)}/`;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (this.mode === 'stall') {
        this.stalled += 1;
        return; // never answers: the sender's timeout must fire
      }
      if (this.mode === 'fail') {
        this.failed += 1;
        res.writeHead(503).end();
        return;
      }
      const event = JSON.parse(Buffer.concat(chunks).toString()) as CDEvent;
      if (this.refuseTypes.has(event.context.type)) {
        this.refused.push(event);
        res.writeHead(422, { 'content-type': 'text/plain' }).end('unknown CDEvent type');
        return;
      }
      this.received.push({ headers: req.headers, event });
      res.writeHead(202).end();
    });
  }

  /** Closes the listener: senders get connection refused until start() again. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  /** The first copy of each event id, in arrival order. */
  unique(): CDEvent[] {
    const seen = new Map<string, CDEvent>();
    for (const { event } of this.received)
      if (!seen.has(event.context.id)) seen.set(event.context.id, event);
    return [...seen.values()];
  }
}
