// The demo workload of the real test bed: an HTTP server whose answers name its version, with an
// error share and a latency set from its environment (config.ts). It runs as PID 1 in its image,
// so it stops on SIGTERM itself: no new connections, the answers in flight finish, exit 0.
import { createServer } from 'node:http';
import { answer, parseDemoConfig } from './config.ts';

let config;
try {
  config = parseDemoConfig(process.env);
} catch (error) {
  console.error(`kulta-demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
const settings = config;

const server = createServer((request, response) => {
  const reply = answer(settings, request.method ?? 'GET', request.url ?? '/', Math.random());
  const send = (): void => {
    const body = `${JSON.stringify(reply.body)}\n`;
    response.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'X-Version': settings.version,
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (reply.delayMs > 0) setTimeout(send, reply.delayMs);
  else send();
});

server.listen(settings.port, () => {
  console.log(
    JSON.stringify({
      msg: 'kulta-demo listening',
      port: settings.port,
      version: settings.version,
      errorRate: settings.errorRate,
      latencyMs: settings.latencyMs,
    }),
  );
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
