// A real HTTP receiver on 127.0.0.1 for the event-sink adapter's tests, and their fixtures.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createHttpEventSink,
  type HttpEventSinkOptions,
} from '../../functions/adapters/event-sink.ts';
import { rolloutWeightChanged, type CDEvent } from '../../functions/core/cdevents/index.ts';
import { anInput } from '../core/cdevents/fixtures.ts';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly method: string;
}

/** What the receiver does with request number n (0-based): answer a status, or never answer. */
export type Behaviour = (n: number, request: Received) => number | 'hang';

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

const open: Receiver[] = [];

/** Closes every receiver started so far (call it in afterEach). */
export async function closeReceivers(): Promise<void> {
  await Promise.all(open.splice(0).map((r) => r.close()));
}

export async function startReceiver(behaviour: Behaviour): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        method: req.method ?? '',
      };
      const answer = behaviour(received.length, request);
      received.push(request);
      if (answer === 'hang') hanging.push(res);
      else {
        // A redirect points back at the receiver: following it would turn the POST into a GET.
        const location = answer >= 300 && answer < 400 ? { location: '/moved' } : {};
        res.writeHead(answer, { 'content-type': 'text/plain', ...location });
        res.end(answer >= 400 ? 'nope' : '');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/events`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        hanging.forEach((res) => res.destroy());
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  open.push(receiver);
  return receiver;
}

/** A port on 127.0.0.1 where nothing listens (bound once, then closed). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return `http://127.0.0.1:${port}/`;
}

export const RETRY = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

export function sinkFor(url: string, extra: Partial<HttpEventSinkOptions> = {}) {
  const sleeps: number[] = [];
  const sink = createHttpEventSink({
    sinkUrl: new URL(url),
    retry: RETRY,
    timeoutMs: 2000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...extra,
  });
  return { sink, sleeps };
}

export function events(count: number): CDEvent[] {
  return Array.from({ length: count }, (_, i) =>
    rolloutWeightChanged({
      ...anInput({ counter: i + 1 }),
      weight: { canary: 10 * (i + 1), stable: 100 - 10 * (i + 1) },
    }),
  );
}

export const always =
  (status: number): Behaviour =>
  () =>
    status;
export const thenOk =
  (...first: (number | 'hang')[]): Behaviour =>
  (n) =>
    first[n] ?? 200;
