// The tick's dispatcher against a real HTTP receiver on 127.0.0.1: the due event on the wire,
// and failures the broker should retry (non-2xx, connection refused) as TransientError.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../functions/runtime/errors.ts';
import { parseIncoming } from '../../functions/runtime/incoming.ts';
import { dueEventHeaders, sinkDispatcher } from '../../functions/tick/dispatch.ts';

interface Received {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => {
            resolve();
          });
        }),
    ),
  );
});

async function receiver(status: number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('answer');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}/`, received };
}

/** A port that was just free: nothing listens there any more. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

const ref = { namespace: 'shop', name: 'web' };

describe('sinkDispatcher', () => {
  it('POSTs a binary-mode due event: exactly these CE headers, body {namespace, name}', async () => {
    const sink = await receiver(202);
    await sinkDispatcher(sink.url)(ref, 'tick-7');
    expect(sink.received).toHaveLength(1);
    const [request] = sink.received;
    expect(request?.method).toBe('POST');
    const ceHeaders = Object.fromEntries(
      Object.entries(request?.headers ?? {}).filter(
        ([k]) => k.startsWith('ce-') || k === 'content-type',
      ),
    );
    expect(ceHeaders).toEqual({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': 'tick-7:shop/web',
      'ce-source': '/kulta/tick',
      'ce-type': 'dev.kulta.rollout.due',
      'ce-subject': 'shop/web',
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({ namespace: 'shop', name: 'web' });
  });

  it('applies the sink extensions (K_CE_OVERRIDES) under the event attributes', async () => {
    const sink = await receiver(202);
    await sinkDispatcher(sink.url, { cluster: 'prod-eu', type: 'not-this' })(ref, 'tick-8');
    const headers = sink.received[0]?.headers ?? {};
    expect(headers['ce-cluster']).toBe('prod-eu');
    expect(headers['ce-type']).toBe('dev.kulta.rollout.due');
  });

  it('sends what reconcile parses as the same due event', () => {
    const headers = dueEventHeaders(ref, 'tick-7');
    expect(parseIncoming(headers, JSON.stringify(ref))).toEqual({
      kind: 'due',
      id: 'tick-7:shop/web',
      namespace: 'shop',
      name: 'web',
    });
  });

  it.each([200, 204])('resolves on %i', async (status) => {
    const sink = await receiver(status);
    await expect(sinkDispatcher(sink.url)(ref, 'tick-7')).resolves.toBeUndefined();
  });

  it.each([400, 404, 500, 503])('throws TransientError on %i', async (status) => {
    const sink = await receiver(status);
    const sent = sinkDispatcher(sink.url)(ref, 'tick-7');
    await expect(sent).rejects.toBeInstanceOf(TransientError);
    await expect(sent).rejects.toThrow(
      `sink ${sink.url} answered ${String(status)} to the due event for shop/web`,
    );
  });

  it('throws TransientError when the connection is refused', async () => {
    const url = `http://127.0.0.1:${String(await closedPort())}/`;
    const sent = sinkDispatcher(url)(ref, 'tick-7');
    await expect(sent).rejects.toBeInstanceOf(TransientError);
    await expect(sent).rejects.toThrow(`sending due event for shop/web to ${url}`);
  });
});
