// Serves a function's Hono app on $PORT (Knative's contract) and stops gracefully on SIGTERM.
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from './logger.ts';

export function portFromEnv(fallback: number): number {
  const raw = process.env.PORT;
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT must be a TCP port number (1-65535), got "${raw}"`);
  }
  return port;
}

/** `defaultHost` applies when KULTA_LISTEN_HOST is unset: 0.0.0.0 in a pod, loopback locally. */
export function serveApp(
  app: Hono,
  port: number,
  log: Logger,
  defaultHost = '0.0.0.0',
): ServerType {
  const server = serve(
    { fetch: app.fetch, port, hostname: process.env.KULTA_LISTEN_HOST ?? defaultHost },
    (info) => {
      log.info({ port: info.port }, 'listening');
    },
  );
  const stop = (signal: string): void => {
    log.info({ signal }, 'shutting down: finishing requests in flight');
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.once('SIGINT', () => {
    stop('SIGINT');
  });
  return server;
}
