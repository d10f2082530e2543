// fieldRef arguments: the metadata.* and spec.template.metadata.* paths Argo resolves, and an
// error naming the argument — never an empty value — when one cannot be resolved.
import { describe, expect, it } from 'vitest';
import { readField } from '../../../functions/core/rollout/field-ref.ts';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { deployedSimulation, StorySimulation } from '../../support/simulated-world.ts';

const source = {
  meta: {
    name: 'web',
    namespace: 'shop',
    uid: 'uid-1',
    labels: { team: 'payments', 'app.kubernetes.io/name': 'web' },
    annotations: { 'kulta.io/owner': 'ops' },
  },
  template: {
    labels: { app: 'web', track: 'main' },
    annotations: { 'prometheus.io/port': '9090' },
  },
};

describe('readField', () => {
  it.each<[string, string]>([
    ['metadata.name', 'web'],
    ['metadata.namespace', 'shop'],
    ['metadata.uid', 'uid-1'],
    ["metadata.labels['team']", 'payments'],
    ['metadata.labels["app.kubernetes.io/name"]', 'web'],
    ['metadata.labels.team', 'payments'],
    ["metadata.annotations['kulta.io/owner']", 'ops'],
    ["spec.template.metadata.labels['track']", 'main'],
    ['spec.template.metadata.annotations["prometheus.io/port"]', '9090'],
  ])('%s is %s', (path, value) => {
    expect(readField(source, path)).toEqual({ ok: true, value });
  });

  it.each<[string, string]>([
    ["metadata.labels['tier']", `metadata.labels['tier']: the Rollout has no label "tier"`],
    [
      "spec.template.metadata.annotations['x']",
      `spec.template.metadata.annotations['x']: the Rollout's pod template has no annotation "x"`,
    ],
    ['spec.replicas', 'cannot resolve "spec.replicas": KULTA resolves metadata.name'],
  ])('%s is an error', (path, message) => {
    const read = readField(source, path);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.message).toContain(message);
  });
});

const withArgs = (args: JsonObject[], extra: JsonObject = {}) =>
  aRollout()
    .steps(
      { setWeight: 20 },
      { analysis: { templates: [{ templateName: 'rate' }], args, ...extra } },
    )
    .build();

describe('a Rollout whose fieldRef cannot be resolved', () => {
  it('is an invalid spec naming the argument', () => {
    const parsed = parseRollout(
      withArgs([
        { name: 'team', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      ]),
    );
    expect(parsed.spec).toBeUndefined();
    expect(parsed.specErrors).toEqual([
      `spec.strategy.canary.steps[1].analysis.args[0].valueFrom.fieldRef.fieldPath: metadata.labels['team']: the Rollout has no label "team"`,
    ]);
  });
});

describe('a run of the analysis step', () => {
  it('gets fieldRef values from the pod template and the analysisRunMetadata', () => {
    const rollout = withArgs(
      [
        {
          name: 'app',
          valueFrom: { fieldRef: { fieldPath: "spec.template.metadata.labels['app']" } },
        },
        { name: 'rollout', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      { analysisRunMetadata: { labels: { team: 'payments' }, annotations: { 'x/y': 'z' } } },
    );
    const sim = new StorySimulation(deployedSimulation(rollout).object);
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    const create = sim.world.applied.filter((a) => a.kind === 'createAnalysisRun');
    expect(create).toEqual([
      expect.objectContaining({
        args: [
          { name: 'app', value: 'web' },
          { name: 'rollout', value: 'web' },
        ],
        metadata: { labels: { team: 'payments' }, annotations: { 'x/y': 'z' } },
      }),
    ]);
  });
});
