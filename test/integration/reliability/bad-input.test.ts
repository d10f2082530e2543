// Bad input against the real things: a corpus of invalid Rollouts and AnalysisTemplates
// (test/fixtures/bad/) is created as `kubectl apply` would (strict field validation) on the real
// apiserver and must be refused with a message naming the field, creating nothing; a corpus of
// malformed, wrongly typed and oversized CloudEvents is POSTed to the reconcile and tick functions
// running as processes (`node functions/<fn>/main.ts`) and must get 400/413 (or, for data that is
// only a hint, a 202 that writes nothing) — the processes stay up and no object changes.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CanaryApp, rolloutManifest, routeApi } from '../../support/canary-app.ts';
import { Receiver } from '../../support/faults/broker.ts';
import { FunctionsProcess } from '../../support/faults/functions-process.ts';
import { eventually, tempNamespace, testKube } from '../../support/kube.ts';

const kube = testKube();
const corpus = join(import.meta.dirname, '..', '..', 'fixtures', 'bad');

interface ObjectCase {
  readonly file: string;
  readonly field: string;
  readonly why: string;
  readonly body: Record<string, unknown>;
}

function objectCases(folder: string): [string, ObjectCase][] {
  const dir = join(corpus, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const field = /^# field: (.+)$/m.exec(text)?.[1];
      const why = /^# (.+)$/m.exec(text)?.[1] ?? file;
      if (!field)
        throw new Error(`${folder}/${file} has no "# field:" line naming the refused field`);
      return [why, { file, field, why, body: parseYaml(text) as Record<string, unknown> }];
    });
}

interface EventCase {
  readonly name: string;
  readonly to: 'reconcile' | 'tick';
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly status: number;
  readonly message?: string;
}

const eventCases = (
  parseYaml(readFileSync(join(corpus, 'cloudevents.yaml'), 'utf8')) as EventCase[]
).map((c): [string, EventCase] => [c.name, c]);

let ns: Awaited<ReturnType<typeof tempNamespace>>;
let logDir = '';
const receiver = new Receiver();
let reconcile: FunctionsProcess;
let tick: FunctionsProcess;
const app = new CanaryApp(kube, '', 'target');

beforeAll(async () => {
  ns = await tempNamespace(kube, 'bad-input');
  Object.assign(app, { namespace: ns.name });
  logDir = await mkdtemp(join(tmpdir(), 'kulta-bad-input-'));
  await receiver.start();
  const env = { KUBECONFIG: inject('kubeconfig'), KULTA_LOG_LEVEL: 'warn' };
  reconcile = new FunctionsProcess({
    entry: 'functions/reconcile/main.ts',
    logFile: join(logDir, 'reconcile.log'),
    env,
  });
  tick = new FunctionsProcess({
    entry: 'functions/tick/main.ts',
    logFile: join(logDir, 'tick.log'),
    env: { ...env, K_SINK: receiver.url },
  });
  await Promise.all([reconcile.start(), tick.start()]);
});

afterAll(async () => {
  await (reconcile as FunctionsProcess | undefined)?.stop();
  await (tick as FunctionsProcess | undefined)?.stop();
  await receiver.stop();
  await (ns as typeof ns | undefined)?.remove();
  if (logDir !== '') await rm(logDir, { recursive: true, force: true });
});

const plural = { rollouts: 'rollouts', analysistemplates: 'analysistemplates' } as const;

/**
 * Creates as kubectl apply does (strict field validation); returns the refusal, or fails. A 429
 * (the apiserver asks to come back, e.g. while a CRD just applied is being served) is retried, as
 * kubectl retries it.
 */
async function refusal(
  kind: keyof typeof plural,
  c: ObjectCase,
): Promise<{ code: number; message: string }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await kube.custom.createNamespacedCustomObject({
        group: 'kulta.io',
        version: 'v1alpha1',
        plural: plural[kind],
        namespace: ns.name,
        body: c.body,
        fieldValidation: 'Strict',
      });
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      if (error.code === 429 && attempt < 20) {
        await sleep(500);
        continue;
      }
      const body = JSON.parse(String(error.body)) as { message?: string };
      return { code: error.code, message: body.message ?? String(error.body) };
    }
    throw new Error(
      `${kind}/${c.file} (${c.why}) was accepted; it must be refused naming ${c.field}`,
    );
  }
}

async function notCreated(kind: keyof typeof plural): Promise<void> {
  const list = (await kube.custom.listNamespacedCustomObject({
    group: 'kulta.io',
    version: 'v1alpha1',
    plural: plural[kind],
    namespace: ns.name,
  })) as { items: unknown[] };
  expect(list.items).toEqual([]);
}

describe('a corpus of invalid Rollouts, applied as kubectl apply does', () => {
  it.each(objectCases('rollouts'))('refuses %s, naming the field', async (_why, c) => {
    const { code, message } = await refusal('rollouts', c);
    expect([400, 422]).toContain(code);
    expect(message).toContain(c.field);
    await notCreated('rollouts');
  });
});

describe('a corpus of invalid AnalysisTemplates, applied as kubectl apply does', () => {
  it.each(objectCases('analysistemplates'))('refuses %s, naming the field', async (_why, c) => {
    const { code, message } = await refusal('analysistemplates', c);
    expect([400, 422]).toContain(code);
    expect(message).toContain(c.field);
    await notCreated('analysistemplates');
  });
});

/** resourceVersions of everything the target rollout owns or uses. */
async function versions(): Promise<Record<string, string>> {
  const rollout = (await app.rollout()) as unknown as { metadata: { resourceVersion: string } };
  const route = (await kube.custom.getNamespacedCustomObject({
    ...routeApi,
    namespace: ns.name,
    name: 'target-route',
  })) as { metadata: { resourceVersion: string } };
  const out: Record<string, string> = {
    rollout: rollout.metadata.resourceVersion,
    route: route.metadata.resourceVersion,
  };
  for (const rs of await app.replicaSets())
    out[`rs/${rs.metadata?.name ?? ''}`] = rs.metadata?.resourceVersion ?? '';
  for (const role of ['stable', 'canary']) {
    const svc = await kube.core.readNamespacedService({
      namespace: ns.name,
      name: `target-${role}`,
    });
    out[`svc/${role}`] = svc.metadata?.resourceVersion ?? '';
  }
  return out;
}

/**
 * POSTs `body` on a new connection, whole (with a Content-Length) or in 64 KiB chunks (without).
 * The server may answer 413 before the body is sent whole: the answer counts, a broken pipe
 * after it does not.
 */
function send(
  to: 'reconcile' | 'tick',
  headers: Record<string, string>,
  body: string,
  chunked = false,
): Promise<{ status: number; text: string }> {
  const target = to === 'reconcile' ? reconcile : tick;
  const length = chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      `${target.url}/`,
      { method: 'POST', headers: { ...headers, ...length }, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = (offset: number): void => {
      if (offset >= body.length || answered) {
        req.end();
        return;
      }
      req.write(body.slice(offset, offset + 65_536), () => {
        write(offset + 65_536);
      });
    };
    // A server may refuse on the headers alone (a Content-Length over its limit): give it the
    // chance to answer before the body, as a client expecting 100-continue would.
    req.flushHeaders();
    setTimeout(
      () => {
        write(0);
      },
      body.length > 65_536 ? 300 : 0,
    );
  });
}

const post = (to: 'reconcile' | 'tick', headers: Record<string, string>, body: string) =>
  send(to, headers, body);
const postChunked = (to: 'reconcile' | 'tick', headers: Record<string, string>, body: string) =>
  send(to, headers, body, true);

const fill = (s: string): string => s.replaceAll('$NS', ns.name).replaceAll('$NAME', app.name);
const due = (id: string): Record<string, string> => ({
  'ce-specversion': '1.0',
  'ce-id': id,
  'ce-source': '/test',
  'ce-type': 'dev.kulta.rollout.due',
  'content-type': 'application/json',
});

describe('malformed, wrongly typed and oversized CloudEvents', () => {
  let before: Record<string, string>;

  beforeAll(async () => {
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('target', {
        image: 'registry.example/target:1.0',
        replicas: 2,
        steps: [{ setWeight: 50 }],
      }),
    );
    // The reconcile process itself walks the rollout to a settled state, one due event per step.
    let steps = 0;
    await eventually(
      'a settled rollout (a due event changes nothing)',
      async () => {
        const rv = await versions();
        steps += 1;
        expect(
          (
            await post(
              'reconcile',
              due(`settle-${String(steps)}`),
              JSON.stringify({ namespace: ns.name, name: 'target' }),
            )
          ).status,
        ).toBe(202);
        return { rv, after: await versions(), status: await app.status() };
      },
      ({ rv, after, status }) =>
        status.phase === 'Healthy' && JSON.stringify(rv) === JSON.stringify(after),
    );
    before = await versions();
  });

  it.each(eventCases)('%s', async (_name, c) => {
    const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, fill(v)]));
    const { status, text } = await post(c.to, headers, fill(c.body));
    expect(status, text).toBe(c.status);
    if (c.message !== undefined)
      expect((JSON.parse(text) as { error: string }).error).toContain(fill(c.message));
    expect(await versions()).toEqual(before);
  });

  it.each([
    ['with a Content-Length', post],
    ['streamed (chunked, no Content-Length)', postChunked],
  ])('refuses a 4 MiB event %s with 413', async (_name, send) => {
    const data = JSON.stringify({
      namespace: ns.name,
      name: 'target',
      padding: 'x'.repeat(4 * 1024 * 1024),
    });
    for (const to of ['reconcile', 'tick'] as const) {
      const { status, text } = await send(to, due(`big-${to}`), data);
      expect(status).toBe(413);
      expect(text).toContain('request body larger than 3145728 bytes');
    }
    expect(await versions()).toEqual(before);
  });

  it('answers 400 to JSON nested 100,000 levels deep, and stays up', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const headers = { ...due('deep'), 'ce-type': 'dev.knative.apiserver.resource.update' };
    const { status } = await post('reconcile', headers, deep);
    expect(status).toBe(400);
  });

  it('leaves both processes up, healthy, and every object as it was', async () => {
    expect(reconcile.alive && tick.alive).toBe(true);
    expect(reconcile.crashes.concat(tick.crashes)).toEqual([]);
    for (const p of [reconcile, tick]) expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    expect(await versions()).toEqual(before);
    expect(receiver.received).toEqual([]);
  });
});
