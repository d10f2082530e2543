// A fetch for an https endpoint whose certificate is not verified (Prometheus `insecure: true`,
// as Argo Rollouts offers it): node:https with rejectUnauthorized false for this request only.
// fetch itself cannot skip verification per request, and turning it off process-wide
// (NODE_TLS_REJECT_UNAUTHORIZED) would drop it for the Kubernetes API and the event sink too.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Same shape as fetch for the requests the Prometheus adapter makes (a string body). */
export function insecureFetch(url: string, init: RequestInit): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = typeof init.body === 'string' ? init.body : undefined;
  const headers: Record<string, string | number> = {
    ...(init.headers as Record<string, string> | undefined),
    ...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }),
  };
  return new Promise((resolve, reject) => {
    const outgoing = send(
      target,
      {
        method: init.method ?? 'GET',
        headers,
        ...(target.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const answer = new Headers();
          for (const [key, value] of Object.entries(incoming.headers)) {
            if (typeof value === 'string') answer.set(key, value);
            else if (Array.isArray(value)) for (const v of value) answer.append(key, v);
          }
          resolve(
            new Response(Buffer.concat(chunks), {
              status: incoming.statusCode ?? 0,
              headers: answer,
            }),
          );
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
