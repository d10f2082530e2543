// `kulta lint` tells the truth: a CRD rule's own words (its messageExpression evaluated), never
// its CEL; kinds KULTA does not serve are problems; pod templates checked as the apiserver will
// check the ReplicaSet; conditions that name what cannot exist; Argo annotations KULTA ignores
// as warnings; and one message per real problem on Argo-style manifests.
import { beforeAll, describe, expect, it } from 'vitest';
import { findCrdDirectory, loadCrds, type CrdCatalog } from '../../functions/cli/lint/crds.ts';
import { readDocuments } from '../../functions/cli/lint/documents.ts';
import { lintDocument, renderLintReports } from '../../functions/cli/lint/lint-files.ts';
import { lintObject } from '../../functions/cli/lint/lint.ts';
import { parseQuantity } from '../../functions/cli/lint/pod-template.ts';
import { paintFor } from '../../functions/cli/paint.ts';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';

let catalog: CrdCatalog;

beforeAll(async () => {
  catalog = await loadCrds(findCrdDirectory({}));
});

type Pod = JsonObject & { containers: JsonObject[] };

/** A valid Rollout whose pod spec `edit` changes. */
function withPod(edit: (pod: Pod) => void): JsonObject {
  const r = aRollout().build();
  delete r.status;
  r.metadata = { name: 'web', namespace: 'shop' };
  const spec = r.spec as { template: { spec: Pod } };
  edit(spec.template.spec);
  return r;
}

function template(metric: JsonObject, kind = 'AnalysisTemplate'): JsonObject {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind,
    metadata: { name: 't' },
    spec: { metrics: [{ name: 'm', ...metric }] },
  };
}

const prometheus = { provider: { prometheus: { query: 'up' } } };

describe('a CRD rule speaks its own words', () => {
  it.each<[string, JsonObject, string, string]>([
    [
      'a metric without a condition',
      template({ ...prometheus }),
      'spec.metrics[0]',
      'metric "m" needs successCondition, failureCondition or judge: without one, every measurement that has data would count as Successful',
    ],
    [
      'a failureLimit not below count',
      template({
        ...prometheus,
        successCondition: 'result < 1',
        interval: '1m',
        count: 2,
        failureLimit: 2,
      }),
      'spec.metrics[0]',
      'metric "m": failureLimit (2) must be less than count (2), or the metric could never fail',
    ],
  ])('%s: the messageExpression, evaluated', (_name, object, path, message) => {
    expect(lintObject(object, catalog).problems).toEqual([{ path, message }]);
  });

  it('never shows CEL in a message', () => {
    const objects = [
      template({ ...prometheus }),
      template({ ...prometheus, successCondition: 'result < 1', count: 1, failureLimit: 1 }),
      template({ provider: { job: {} } }),
      withPod((pod) => (pod.restartPolicy = 'Never')),
    ];
    const messages = objects.flatMap((o) => lintObject(o, catalog).problems.map((p) => p.message));
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.filter((m) => /\bself\b|has\(/.test(m))).toEqual([]);
  });
});

describe('kinds KULTA does not serve', () => {
  it.each([
    [
      'argoproj.io/v1alpha1',
      'Experiment',
      /^argoproj\.io\/v1alpha1 Experiment has no KULTA equivalent/,
    ],
    [
      'kulta.io/v1alpha1',
      'Experiment',
      /^kulta\.io\/v1alpha1 Experiment is not a kind KULTA serves/,
    ],
  ])('%s %s is a problem, not a skip', (apiVersion, kind, message) => {
    const lint = lintObject({ apiVersion, kind, metadata: { name: 'e' } }, catalog);
    expect(lint.skipped).toBeUndefined();
    expect(lint.problems).toEqual([
      { path: 'kind', message: expect.stringMatching(message) as string },
    ]);
  });
});

describe('pod templates, checked as the apiserver checks the ReplicaSet', () => {
  const at = 'spec.template.spec';
  it.each<[string, (pod: Pod) => void, string, RegExp]>([
    [
      'a resource quantity that is not one',
      (p) => (p.containers[0] = { ...p.containers[0], resources: { requests: { cpu: '500 m' } } }),
      `${at}.containers[0].resources.requests["cpu"]`,
      /"500 m" is not a quantity/,
    ],
    [
      'a negative quantity',
      (p) => (p.containers[0] = { ...p.containers[0], resources: { limits: { memory: '-1Gi' } } }),
      `${at}.containers[0].resources.limits["memory"]`,
      /must not be negative/,
    ],
    [
      'a request above its limit',
      (p) =>
        (p.containers[0] = {
          ...p.containers[0],
          resources: { requests: { memory: '2Gi' }, limits: { memory: '1024Mi' } },
        }),
      `${at}.containers[0].resources.requests["memory"]`,
      /must be at most the limit \(1024Mi\)/,
    ],
    [
      'ephemeral containers',
      (p) => (p.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]),
      `${at}.ephemeralContainers`,
      /not allowed in a pod template/,
    ],
    [
      'a container name that is not a DNS-1123 label',
      (p) => (p.containers[0] = { ...p.containers[0], name: 'Web_1' }),
      `${at}.containers[0].name`,
      /"Web_1" is not a DNS-1123 label/,
    ],
    [
      'two containers with one name',
      (p) => (p.initContainers = [{ name: p.containers[0]?.name ?? '', image: 'x' }]),
      `${at}.containers[0].name`,
      /is also the name of spec\.template\.spec\.initContainers\[0\]/,
    ],
    [
      'a container port out of range',
      (p) => (p.containers[0] = { ...p.containers[0], ports: [{ containerPort: 70000 }] }),
      `${at}.containers[0].ports[0].containerPort`,
      /70000 is not a port: it must be between 1 and 65535/,
    ],
    [
      'a host port out of range',
      (p) =>
        (p.containers[0] = { ...p.containers[0], ports: [{ containerPort: 80, hostPort: 0 }] }),
      `${at}.containers[0].ports[0].hostPort`,
      /0 is not a port/,
    ],
    [
      'a port name longer than 15 characters',
      (p) =>
        (p.containers[0] = {
          ...p.containers[0],
          ports: [{ containerPort: 80, name: 'http-metrics-port' }],
        }),
      `${at}.containers[0].ports[0].name`,
      /"http-metrics-port" is not a port name/,
    ],
    [
      'two ports with one name',
      (p) =>
        (p.containers[0] = {
          ...p.containers[0],
          ports: [
            { containerPort: 80, name: 'http' },
            { containerPort: 81, name: 'http' },
          ],
        }),
      `${at}.containers[0].ports[1].name`,
      /"http" is the name of an earlier port/,
    ],
    [
      'a restartPolicy other than Always',
      (p) => (p.restartPolicy = 'OnFailure'),
      `${at}.restartPolicy`,
      /must be Always in a ReplicaSet's pod template/,
    ],
    [
      'a mount of a volume the pod does not have',
      (p) =>
        (p.containers[0] = {
          ...p.containers[0],
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        }),
      `${at}.containers[0].volumeMounts[0].name`,
      /"config" is not a volume of this pod \(volumes: none\)/,
    ],
    [
      'a volume name that is not a DNS-1123 label',
      (p) => (p.volumes = [{ name: 'Config', emptyDir: {} }]),
      `${at}.volumes[0].name`,
      /"Config" is not a DNS-1123 label/,
    ],
    [
      'an environment variable name with "="',
      (p) => (p.containers[0] = { ...p.containers[0], env: [{ name: 'A=B', value: '1' }] }),
      `${at}.containers[0].env[0].name`,
      /"A=B" is not a valid environment variable name/,
    ],
  ])('%s', (_name, edit, path, message) => {
    const { problems } = lintObject(withPod(edit), catalog);
    expect(problems).toEqual([{ path, message: expect.stringMatching(message) as string }]);
  });

  it('passes a template the apiserver accepts', () => {
    const r = withPod((p) => {
      p.volumes = [{ name: 'config', emptyDir: {} }];
      p.containers[0] = {
        ...p.containers[0],
        ports: [{ containerPort: 8080, name: 'http' }],
        resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: 1, memory: '1e9' } },
        volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        env: [{ name: 'LOG.LEVEL', value: 'debug' }],
      };
    });
    expect(lintObject(r, catalog).problems).toEqual([]);
  });

  it.each<[unknown, number | undefined]>([
    ['500m', 0.5],
    ['1Gi', 2 ** 30],
    ['1.5', 1.5],
    ['2e3', 2000],
    ['.5k', 500],
    [3, 3],
    ['1GB', undefined],
    ['', undefined],
    ['5 m', undefined],
  ])('reads the quantity %j as %s', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });
});

describe('conditions that name what cannot exist', () => {
  it.each([
    ['results[0] < 1', /unknown name "results" at column 1 \(available: result\)/],
    ['len(result) > 0 && value < 1', /unknown name "value" at column 20/],
    ['p99(result) < 1', /unknown function "p99" at column 1/],
  ])('%s is an error at lint time', (condition, message) => {
    const object = template({ ...prometheus, successCondition: condition });
    expect(lintObject(object, catalog).problems).toEqual([
      {
        path: 'spec.metrics[0].successCondition',
        message: expect.stringMatching(message) as string,
      },
    ]);
  });
});

describe('Argo annotations KULTA does not act on', () => {
  it('warns, naming CDEvents through the Broker, and does not fail', () => {
    const r = aRollout().build();
    delete r.status;
    r.metadata = {
      name: 'web',
      annotations: {
        'notifications.argoproj.io/subscribe.on-rollout-completed.slack': 'deploys',
        'rollout.argoproj.io/revision': '3',
        'team.example/owner': 'shop',
      },
    };
    const lint = lintObject(r, catalog);
    expect(lint.problems).toEqual([]);
    expect(lint.warnings).toEqual([
      {
        path: 'metadata.annotations["notifications.argoproj.io/subscribe.on-rollout-completed.slack"]',
        message: expect.stringMatching(/CDEvents through the Knative Broker/) as string,
      },
      {
        path: 'metadata.annotations["rollout.argoproj.io/revision"]',
        message: 'an Argo Rollouts annotation KULTA does not act on',
      },
    ]);
    const [doc] = readDocuments('r.yaml', JSON.stringify(r));
    const text = renderLintReports(
      [lintDocument(doc ?? { file: '', index: 0, value: null, errors: [] }, catalog)],
      paintFor(false),
    );
    expect(text[0]).toBe('r.yaml: Rollout web: ok, 2 warnings');
    expect(text[1]).toMatch(/^ {2}⚠ metadata\.annotations\["notifications/);
  });
});

describe('one message per real problem, on manifests written as Argo users write them', () => {
  const argo = (text: string) => readDocuments('argo.yaml', text)[0]?.value;
  it.each<[string, string, string[]]>([
    [
      'a job metric: refused, not also "needs successCondition"',
      `apiVersion: kulta.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: smoke}
spec:
  metrics:
  - name: smoke
    provider:
      job:
        spec:
          template:
            spec:
              containers: [{name: smoke, image: curl}]
              restartPolicy: Never
`,
      ['spec.metrics[0].provider.job'],
    ],
    [
      'a workloadRef: refused, not also "template is required" and a selector that matches nothing',
      `apiVersion: kulta.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {}}]
`,
      ['spec.workloadRef'],
    ],
    [
      'Istio subsets: refused, not also "needs plugins" and "needs both Services"',
      `apiVersion: kulta.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
  strategy:
    canary:
      trafficRouting:
        istio:
          virtualService: {name: web, routes: [primary]}
          destinationRule: {name: web, canarySubsetName: canary, stableSubsetName: stable}
      steps: [{setWeight: 20}]
`,
      ['spec.strategy.canary.trafficRouting.istio'],
    ],
    [
      'a refused provider does not hide a real problem of the same metric',
      `apiVersion: kulta.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec:
  metrics:
  - name: m
    count: 1
    failureLimit: 1
    provider: {job: {spec: {template: {spec: {containers: [{name: c, image: i}]}}}}}
`,
      ['spec.metrics[0].provider.job', 'spec.metrics[0]'],
    ],
    [
      'a refused operator in a condition is no refused feature: the metric still needs its interval',
      `apiVersion: kulta.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec:
  metrics:
  - name: m
    count: 2
    successCondition: "result matches '^2'"
    provider: {prometheus: {query: up}}
`,
      ['spec.metrics[0]', 'spec.metrics[0].successCondition'],
    ],
  ])('%s', (_name, text, paths) => {
    expect(lintObject(argo(text), catalog).problems.map((p) => p.path)).toEqual(paths);
  });
});
