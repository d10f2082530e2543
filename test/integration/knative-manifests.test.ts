// knative/ checked for real: the Knative Serving and Eventing CRDs of the pinned release are
// installed into the test bed, the kustomization is rendered, and every object must pass a
// server-side dry-run with strict field validation (a misspelled field fails). Then the
// contracts the manifests carry: event types routed to reconcile are the ones it decodes, the
// schedules have a seconds field, RBAC has no wildcards and says why each rule exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isMap, isSeq, parseAllDocuments, type YAMLMap } from 'yaml';
import { apiServerTypes, dueType, parseIncoming } from '../../functions/runtime/incoming.ts';
import { functionEntries } from '../../scripts/build-functions.ts';
import {
  dryRunApply,
  installKnativeCrds,
  knativeDir,
  renderKnative,
  type Manifest,
} from '../bed/knative.ts';
import { tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
const kc = new KubeConfig();
kc.loadFromFile(inject('kubeconfig'));
let ns: Awaited<ReturnType<typeof tempNamespace>>;

beforeAll(async () => {
  await installKnativeCrds(inject('kubeconfig'));
  ns = await tempNamespace(kube, 'knative');
}, 600_000);

afterAll(async () => {
  await ns.remove();
});

const rendered = renderKnative();
const byKind = (kind: string): Manifest[] => rendered.filter((o) => o.kind === kind);
const named = (kind: string, name: string): Manifest => {
  const found = rendered.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`knative/ has no ${kind} ${name}`);
  return found;
};
const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], o);

describe('knative/ on a real API server with the Knative CRDs', () => {
  it.each(rendered.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))(
    'accepts %s (server-side dry-run, strict fields)',
    async (_, object) => {
      const inTestNamespace = renderKnative({ namespace: ns.name }).find(
        (o) => o.kind === object.kind && o.metadata.name === object.metadata.name,
      );
      const reply = await dryRunApply(kc, inTestNamespace ?? object);
      expect(reply.status, reply.body).toBeLessThan(300);
    },
  );

  it('refuses a misspelled field, so the dry-runs above can fail', async () => {
    const service = structuredClone(named('Service', 'kulta-tick'));
    Object.assign(service.metadata, { namespace: ns.name });
    Object.assign(at(service, 'spec.template.spec') as object, { containerConcurency: 1 });
    const reply = await dryRunApply(kc, service);
    // Server-side apply reports a field missing from the schema as 500, not 400.
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.body).toContain('.spec.template.spec.containerConcurency: field not declared');
  });
});

describe('the functions as Knative Services', () => {
  it.each([
    ['kulta-reconcile', 10, functionEntries.reconcile],
    ['kulta-tick', 1, functionEntries.tick],
  ])('%s: cluster-local, scales to zero, concurrency %i, runs its bundle', (name, cc, entry) => {
    const service = named('Service', name);
    expect(service.metadata.labels).toMatchObject({
      'networking.knative.dev/visibility': 'cluster-local',
      'kulta.io/sink-binding': 'broker',
    });
    expect(at(service, 'spec.template.metadata.annotations')).toMatchObject({
      'autoscaling.knative.dev/min-scale': '0',
    });
    const spec = at(service, 'spec.template.spec') as Record<string, unknown>;
    expect(spec).toMatchObject({ containerConcurrency: cc, serviceAccountName: 'kulta-functions' });
    expect(spec.timeoutSeconds).toBeGreaterThan(0);
    const [container] = spec.containers as Record<string, unknown>[];
    const bundle = entry.replace(/^functions\/(\w+)\/main\.ts$/, '/app/$1.mjs');
    expect(container).toMatchObject({
      image: 'ghcr.io/kulta-io/kulta-functions:0.1.0',
      args: [bundle],
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true },
    });
  });

  it('the Containerfile builds the bundles and puts them where the Services run them', () => {
    const containerfile = readFileSync(join(knativeDir, 'Containerfile'), 'utf8');
    expect(containerfile).toContain('RUN node scripts/build-functions.ts --functions-only');
    expect(containerfile).toContain('COPY --from=build /src/dist/ /app/');
    expect(containerfile).toMatch(/^USER 1000:1000$/m);
    expect(containerfile).toContain(`CMD ["/app/reconcile.mjs"]`);
  });
});

describe('events', () => {
  it('routes to reconcile exactly the event types it decodes', () => {
    const triggers = byKind('Trigger');
    expect(triggers.every((t) => at(t, 'spec.subscriber.ref.name') === 'kulta-reconcile')).toBe(
      true,
    );
    const filters = JSON.stringify(triggers.map((t) => at(t, 'spec')));
    const routed = [...filters.matchAll(/"type":"([^"]+)"/g)].map((m) => m[1]).sort();
    expect(routed).toEqual([...Object.values(apiServerTypes), dueType].sort());
    for (const t of triggers) {
      expect(at(t, 'spec.delivery')).toMatchObject({
        backoffPolicy: 'exponential',
        retry: expect.any(Number) as number,
        deadLetterSink: { ref: { kind: 'Service', name: 'kulta-dead-letters' } },
      });
    }
  });

  it('watches Rollouts, revision ReplicaSets and AnalysisRuns in Resource mode into the Broker', () => {
    const source = named('ApiServerSource', 'kulta-rollouts');
    expect(source.spec).toMatchObject({
      mode: 'Resource',
      serviceAccountName: 'kulta-apiserversource',
      sink: { ref: { kind: 'Broker', name: 'kulta' } },
      resources: [
        { apiVersion: 'kulta.io/v1alpha1', kind: 'Rollout' },
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          selector: {
            matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'Exists' }],
          },
        },
        {
          apiVersion: 'kulta.io/v1alpha1',
          kind: 'AnalysisRun',
          selector: { matchExpressions: [{ key: 'kulta.io/rollout', operator: 'Exists' }] },
        },
      ],
    });
  });

  it('pings tick every few seconds, and resyncs with {"resync":true} that tick understands', () => {
    const [fast, slow] = [named('PingSource', 'kulta-tick'), named('PingSource', 'kulta-resync')];
    for (const ping of [fast, slow]) {
      expect(String(at(ping, 'spec.schedule')).split(' ')).toHaveLength(6);
      expect(at(ping, 'spec.sink.ref.name')).toBe('kulta-tick');
    }
    const event = parseIncoming(
      {
        'content-type': String(at(slow, 'spec.contentType')),
        'ce-specversion': '1.0',
        'ce-id': 'p1',
        'ce-source': '/apis/v1/namespaces/kulta/pingsources/kulta-resync',
        'ce-type': 'dev.knative.sources.ping',
      },
      String(at(slow, 'spec.data')),
    );
    expect(event).toEqual({ kind: 'ping', id: 'p1', data: { resync: true } });
  });

  it('binds K_SINK of both functions to the Broker', () => {
    const binding = named('SinkBinding', 'kulta-functions');
    expect(binding.spec).toMatchObject({
      subject: {
        kind: 'Service',
        selector: { matchLabels: { 'kulta.io/sink-binding': 'broker' } },
      },
      sink: { ref: { kind: 'Broker', name: 'kulta' } },
    });
  });
});

describe('RBAC', () => {
  const rules = byKind('ClusterRole').flatMap(
    (role) => role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[],
  );

  it('names every verb and resource (no wildcards)', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
    }
  });

  it('says why each rule exists', () => {
    const docs = parseAllDocuments(readFileSync(join(knativeDir, 'rbac.yaml'), 'utf8'));
    // The parser hangs the comment above a list's first item on the list itself.
    const comments = docs.flatMap((doc) => {
      const list = isMap(doc.contents) ? doc.contents.get('rules', true) : undefined;
      if (!isSeq(list)) return [];
      return (list.items as YAMLMap[]).map((item, i) =>
        (i === 0 ? list.commentBefore : item.commentBefore)?.trim(),
      );
    });
    expect(comments).toHaveLength(rules.length);
    for (const comment of comments) expect(comment ?? '').not.toBe('');
  });
});
