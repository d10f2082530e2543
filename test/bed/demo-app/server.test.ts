// The demo server as a process on 127.0.0.1 (as its image runs it, from the TypeScript source):
// its answers name VERSION, ERROR_RATE=1 fails every GET /, bad settings exit 2 saying why, and
// SIGTERM stops it with exit code 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../processes.ts';

const server = join(dirname(fileURLToPath(import.meta.url)), 'server.ts');
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [server], {
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(JSON.parse(line.toString())).toMatchObject({ msg: 'kulta-demo listening', port });
  return { child, url: `http://127.0.0.1:${String(port)}` };
}

describe('the demo server', () => {
  it('answers GET / with its version and health with ok', async () => {
    const { url } = await start({ VERSION: 'v7', LATENCY_MS: '5' });
    const reply = await fetch(`${url}/`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-version')).toBe('v7');
    expect(await reply.json()).toEqual({ version: 'v7', ok: true });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('fails every GET / at ERROR_RATE=1 but stays healthy', async () => {
    const { url } = await start({ VERSION: 'bad', ERROR_RATE: '1' });
    for (let i = 0; i < 5; i += 1) expect((await fetch(`${url}/`)).status).toBe(500);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('exits 2 naming a bad setting', async () => {
    const child = spawn(process.execPath, [server], {
      env: { PATH: process.env.PATH, VERSION: 'v1', ERROR_RATE: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('kulta-demo: ERROR_RATE=2 must be between 0 and 1');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const { child } = await start({ VERSION: 'v1' });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
