// Parsing a Rollout at the boundary: every spec error names its field and the fix, defaults
// follow Argo, the Gateway API plugin block is merged, and operator-patched status is checked.
import { describe, expect, it } from 'vitest';
import {
  MalformedObjectError,
  parseMetadata,
  parseRollout,
  parseStatus,
} from '../../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';

const plugin = 'argoproj-labs/gatewayAPI';

function errorsOf(object: JsonObject): readonly string[] {
  const parsed = parseRollout(object);
  expect(parsed.spec).toBeUndefined();
  return parsed.specErrors;
}

function specOf(object: JsonObject) {
  const parsed = parseRollout(object);
  expect(parsed.specErrors).toEqual([]);
  if (!parsed.spec) throw new Error('expected a valid spec');
  return parsed.spec;
}

const routing = (block: JsonObject): JsonObject => ({
  trafficRouting: { plugins: { [plugin]: block } },
});

describe('spec errors name the field and the fix', () => {
  it.each([
    {
      name: 'a step with no action',
      rollout: aRollout().steps({}),
      error:
        'spec.strategy.canary.steps[0] must set exactly one of setWeight, pause, setCanaryScale',
    },
    {
      name: 'a step with two actions',
      rollout: aRollout().steps({ setWeight: 10 }, { setWeight: 20, pause: {} }),
      error:
        'spec.strategy.canary.steps[1] must set exactly one of setWeight, pause, setCanaryScale',
    },
    {
      name: 'a weight above 100',
      rollout: aRollout().steps({ setWeight: 101 }),
      error: 'spec.strategy.canary.steps[0].setWeight must be a whole number from 0 to 100',
    },
    {
      name: 'a negative weight',
      rollout: aRollout().steps({ setWeight: -1 }),
      error: 'spec.strategy.canary.steps[0].setWeight must be a whole number from 0 to 100',
    },
    {
      name: 'a fractional weight',
      rollout: aRollout().steps({ setWeight: 12.5 }),
      error: 'spec.strategy.canary.steps[0].setWeight must be a whole number from 0 to 100',
    },
    {
      name: 'a weight as text',
      rollout: aRollout().steps({ setWeight: '20' }),
      error: 'spec.strategy.canary.steps[0].setWeight must be a whole number from 0 to 100',
    },
    {
      name: 'a pause duration that is not a duration',
      rollout: aRollout().steps({ pause: { duration: '5 minutes' } }),
      error:
        'spec.strategy.canary.steps[0].pause.duration: invalid duration "5 minutes" at "5 minutes": use whole seconds like 30, or a Go duration like "30s", "5m", "1h30m", "1.5h", "500ms" (units ns, us, ms, s, m, h)',
    },
    {
      name: 'a negative pause duration',
      rollout: aRollout().steps({ pause: { duration: -5 } }),
      error: 'spec.strategy.canary.steps[0].pause.duration: invalid duration -5: use whole seconds',
    },
    {
      name: 'a pause longer than time can hold',
      rollout: aRollout().steps({ pause: { duration: 9_007_199_254_740_991 } }),
      error:
        'spec.strategy.canary.steps[0].pause.duration: invalid duration 9007199254740991: too long',
    },
    {
      name: 'a pause duration of the wrong type',
      rollout: aRollout().steps({ setWeight: 5 }, { pause: { duration: true } }),
      error:
        'spec.strategy.canary.steps[1].pause.duration: must be a number or a string like "30s"',
    },
    {
      name: 'a setCanaryScale without a size',
      rollout: aRollout().steps({ setCanaryScale: { matchTrafficWeight: false } }),
      error:
        'spec.strategy.canary.steps[0].setCanaryScale must set one of weight, replicas, matchTrafficWeight: true',
    },
    {
      name: 'an Argo step KULTA does not support',
      rollout: aRollout().steps({ setWeight: 10 }, { experiment: { templates: [] } }),
      error: 'spec.strategy.canary.steps[1]: "experiment" steps are not supported by KULTA',
    },
    {
      name: 'an analysis step without templates',
      rollout: aRollout().steps({ analysis: { templates: [] } }),
      error:
        'spec.strategy.canary.steps[0].analysis.templates must name at least one AnalysisTemplate (templateName)',
    },
    {
      name: 'an analysis argument without a value',
      rollout: aRollout().steps({
        analysis: { templates: [{ templateName: 'rate' }], args: [{ name: 'service' }] },
      }),
      error:
        'spec.strategy.canary.steps[0].analysis.args[0] needs value, valueFrom.podTemplateHashValue (Stable|Latest) or valueFrom.fieldRef.fieldPath',
    },
    {
      name: 'another traffic router',
      rollout: aRollout().canary({
        trafficRouting: {
          nginx: { stableIngress: 'web' },
          plugins: { [plugin]: { httpRoute: 'r' } },
        },
      }),
      error:
        'spec.strategy.canary.trafficRouting: nginx not supported; KULTA routes traffic only through plugins["argoproj-labs/gatewayAPI"] (Gateway API HTTPRoutes)',
    },
    {
      name: 'another plugin',
      rollout: aRollout().canary({
        trafficRouting: { plugins: { 'acme/mesh': {}, [plugin]: { httpRoute: 'r' } } },
      }),
      error: 'spec.strategy.canary.trafficRouting: plugins["acme/mesh"] not supported',
    },
    {
      name: 'trafficRouting without the Gateway API plugin',
      rollout: aRollout().canary({ trafficRouting: {} }),
      error: 'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"] is required',
    },
    {
      name: 'the plugin without routes',
      rollout: aRollout().canary(routing({ namespace: 'edge' })),
      error:
        'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"] needs httpRoute or httpRoutes',
    },
    {
      name: 'trafficRouting without a canary Service',
      rollout: aRollout().canary({ canaryService: '' }),
      error: 'spec.strategy.canary: trafficRouting needs both stableService and canaryService',
    },
    {
      name: 'the same Service for stable and canary',
      rollout: aRollout().canary({ canaryService: 'web-stable' }),
      error: 'spec.strategy.canary: stableService and canaryService must be different Services',
    },
    {
      name: 'no selector',
      rollout: aRollout().spec({ selector: {} }),
      error: 'spec.selector must select the pods of spec.template (set matchLabels)',
    },
    {
      name: 'a selector the template does not satisfy',
      rollout: aRollout().spec({ selector: { matchLabels: { app: 'api' } } }),
      error:
        'spec.selector.matchLabels.app=api does not match spec.template.metadata.labels; the template must carry every label the selector requires',
    },
    {
      name: 'no strategy',
      rollout: aRollout().spec({ strategy: {} }),
      error: 'spec.strategy must set exactly one of canary, blueGreen, simple',
    },
    {
      name: 'negative replicas',
      rollout: aRollout().replicas(-1),
      error: 'spec.replicas must be 0 or more',
    },
  ])('$name', ({ rollout, error }) => {
    const errors = errorsOf(rollout.build());
    expect(errors.map((e) => e.slice(0, error.length))).toContain(error);
  });

  it('reports every problem at once, with metadata and status still read', () => {
    const parsed = parseRollout(
      aRollout()
        .steps({ setWeight: 200 }, { experiment: {} })
        .replicas(-2)
        .status({ phase: 'Healthy' })
        .build(),
    );
    expect(parsed.specErrors).toHaveLength(3);
    expect(parsed.metadata).toMatchObject({ name: 'web', namespace: 'shop', uid: 'uid-1' });
    expect(parsed.status.phase).toBe('Healthy');
  });
});

describe('a valid spec', () => {
  it('gets Argo defaults for what it leaves out', () => {
    const spec = specOf(aRollout().build());
    expect(spec).toMatchObject({
      replicas: 4,
      minReadySeconds: 0,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      progressDeadlineAbort: false,
      paused: false,
      restartAt: undefined,
    });
    expect(spec.canary).toMatchObject({
      maxSurge: '25%',
      maxUnavailable: '25%',
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 30,
      dynamicStableScale: false,
    });
  });

  it('keeps what it sets', () => {
    const spec = specOf(
      aRollout()
        .spec({ revisionHistoryLimit: 2, progressDeadlineSeconds: 60, paused: true })
        .canary({ scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 5, maxSurge: 1 })
        .build(),
    );
    expect(spec).toMatchObject({
      revisionHistoryLimit: 2,
      progressDeadlineSeconds: 60,
      paused: true,
    });
    expect(spec.canary).toMatchObject({
      scaleDownDelaySeconds: 0,
      abortScaleDownDelaySeconds: 5,
      maxSurge: 1,
    });
  });

  it('takes one replica when replicas is unset', () => {
    const object = aRollout().build();
    delete (object.spec as JsonObject).replicas;
    expect(specOf(object).replicas).toBe(1);
  });

  it('parses each kind of step', () => {
    const spec = specOf(
      aRollout()
        .steps(
          { setWeight: 0 },
          { pause: {} },
          { pause: { duration: 90 } },
          { pause: { duration: '2m' } },
          { pause: { duration: '1h30m' } },
          { pause: { duration: '250ms' } },
          { setCanaryScale: { replicas: 3 } },
          { setCanaryScale: { weight: 40 } },
          { setCanaryScale: { matchTrafficWeight: true } },
        )
        .build(),
    );
    expect(spec.canary.steps).toEqual([
      { kind: 'setWeight', weight: 0 },
      { kind: 'pause', durationSeconds: undefined },
      { kind: 'pause', durationSeconds: 90 },
      { kind: 'pause', durationSeconds: 120 },
      { kind: 'pause', durationSeconds: 5400 },
      { kind: 'pause', durationSeconds: 1 },
      { kind: 'setCanaryScale', scale: { kind: 'replicas', replicas: 3 } },
      { kind: 'setCanaryScale', scale: { kind: 'weight', weight: 40 } },
      { kind: 'setCanaryScale', scale: { kind: 'matchTrafficWeight' } },
    ]);
  });

  it('has no trafficRouting when none is set', () => {
    expect(
      specOf(aRollout().withoutTrafficRouting().build()).canary.trafficRouting,
    ).toBeUndefined();
  });
});

describe('metadata', () => {
  it.each(['name', 'namespace', 'uid'])('refuses an object without metadata.%s', (field) => {
    const object = aRollout().build();
    const metadata = { ...(object.metadata as JsonObject) };
    metadata[field] = '';
    expect(() => parseMetadata({ ...object, metadata })).toThrow(MalformedObjectError);
    expect(() => parseRollout({ ...object, metadata })).toThrow(
      'object has no metadata.name, metadata.namespace or metadata.uid',
    );
  });

  it.each([null, 'web', [], {}])('refuses %j as an object', (object) => {
    expect(() => parseRollout(object)).toThrow(MalformedObjectError);
  });

  it('reads generation, resourceVersion, labels and deletion', () => {
    const object = aRollout().generation(3).build();
    const metadata = {
      ...(object.metadata as JsonObject),
      labels: { 'kulta.io/active': 'true', bad: 7 },
      deletionTimestamp: '2026-01-01T00:00:00Z',
    };
    expect(parseMetadata({ ...object, metadata })).toEqual({
      name: 'web',
      namespace: 'shop',
      uid: 'uid-1',
      generation: 3,
      resourceVersion: '100',
      labels: { 'kulta.io/active': 'true' },
      annotations: {},
      deleting: true,
      deletionTimestamp: '2026-01-01T00:00:00Z',
      finalizers: [],
    });
  });
});

describe('status: operator-patched fields are checked, wrong types dropped', () => {
  it.each([
    { name: 'abort: "yes"', status: { abort: 'yes' }, field: 'abort' },
    { name: 'promoteFull: 1', status: { promoteFull: 1 }, field: 'promoteFull' },
    {
      name: 'controllerPause: "true"',
      status: { controllerPause: 'true' },
      field: 'controllerPause',
    },
    { name: 'currentStepIndex: -1', status: { currentStepIndex: -1 }, field: 'currentStepIndex' },
    { name: 'currentStepIndex: 1.5', status: { currentStepIndex: 1.5 }, field: 'currentStepIndex' },
    { name: 'currentStepIndex: "2"', status: { currentStepIndex: '2' }, field: 'currentStepIndex' },
    {
      name: 'pauseConditions: "none"',
      status: { pauseConditions: 'none' },
      field: 'pauseConditions',
    },
  ])('drops $name', ({ status, field }) => {
    const parsed = parseStatus({ status: { ...status, phase: 'Paused' } });
    expect(parsed).toHaveProperty(field, undefined);
    expect(parsed.phase).toBe('Paused');
  });

  it('keeps well-typed operator fields', () => {
    expect(
      parseStatus({
        status: { abort: false, promoteFull: true, currentStepIndex: 0, controllerPause: true },
      }),
    ).toMatchObject({
      abort: false,
      promoteFull: true,
      currentStepIndex: 0,
      controllerPause: true,
    });
  });

  it('keeps object pause conditions and fills their missing fields', () => {
    expect(
      parseStatus({
        status: {
          pauseConditions: [
            { reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' },
            'garbage',
            {},
          ],
        },
      }).pauseConditions,
    ).toEqual([
      { reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' },
      { reason: 'Unknown', startTime: '' },
    ]);
  });

  it('reads a missing status as empty', () => {
    expect(parseStatus({})).toEqual({
      abort: undefined,
      promoteFull: undefined,
      controllerPause: undefined,
      pauseConditions: undefined,
      currentStepIndex: undefined,
    });
  });
});
