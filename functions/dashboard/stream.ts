// Live updates as server-sent events: read the view on an interval and send it only when it
// changed. Stateless between connections: each stream keeps just the last JSON it sent.
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Logger } from '../runtime/logger.ts';

export interface StreamTiming {
  /** How often the view is read. */
  readonly intervalMs: number;
  /** A comment line after this long without a change, so proxies keep the connection open. */
  readonly keepAliveMs: number;
  /** The stream ends after this long (the browser reconnects); under a platform's request timeout. */
  readonly maxMs: number | undefined;
}

/** The event name for a successful read, and the read; `failure` events carry read errors. */
export interface StreamSource {
  readonly event: string;
  readonly read: () => Promise<unknown>;
}

/** What the EventSource waits before reconnecting after the stream ended or broke. */
const reconnectMs = 2000;

/**
 * Fields that change on every read without anything happening (the read time, countdowns and
 * ages the page advances by itself): a view that differs only in them is not sent again.
 */
const volatileFields = new Set(['readAt', 'remainingSeconds', 'ageSeconds']);

function withoutVolatile(key: string, value: unknown): unknown {
  return volatileFields.has(key) ? undefined : value;
}

interface Message {
  readonly event: string;
  readonly data: string;
  /** What decides whether it is new. */
  readonly fingerprint: string;
}

async function nextMessage(source: StreamSource): Promise<Message> {
  try {
    const value = (await source.read()) ?? null;
    const data = JSON.stringify(value);
    const fingerprint = `${source.event}\n${JSON.stringify(value, withoutVolatile)}`;
    return { event: source.event, data, fingerprint };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const data = JSON.stringify({ error: message });
    return { event: 'failure', data, fingerprint: `failure\n${data}` };
  }
}

async function pump(
  stream: SSEStreamingApi,
  source: StreamSource,
  timing: StreamTiming,
  log: Logger,
): Promise<void> {
  let last = '';
  let quietMs = 0;
  let elapsedMs = 0;
  await stream.writeSSE({ event: 'hello', data: '{}', retry: reconnectMs });
  while (!stream.aborted && !stream.closed) {
    const message = await nextMessage(source);
    if (message.fingerprint !== last) {
      // Logged once per new failure, not on every read while it lasts.
      if (message.event === 'failure') log.warn({ failure: message.data }, 'dashboard read failed');
      await stream.writeSSE({ event: message.event, data: message.data });
      last = message.fingerprint;
      quietMs = 0;
    } else if (quietMs >= timing.keepAliveMs) {
      await stream.write(': keep-alive\n\n');
      quietMs = 0;
    }
    if (timing.maxMs !== undefined && elapsedMs >= timing.maxMs) return;
    await stream.sleep(timing.intervalMs);
    quietMs += timing.intervalMs;
    elapsedMs += timing.intervalMs;
  }
}

/** An SSE response that sends `source` whenever what it reads changes. */
export function streamChanges(
  c: Context,
  source: StreamSource,
  timing: StreamTiming,
  log: Logger,
): Response {
  return streamSSE(c, (stream) => pump(stream, source, timing, log));
}
