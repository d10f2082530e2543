// Analysis in a canary, walked through the planner: runs named from the committed status,
// Successful continues, Failed/Error abort, Inconclusive pauses for a person, the background
// analysis can stop the canary at any step and is stopped at promotion; each with its CDEvents.
import { describe, expect, it } from 'vitest';
import type { CDEvent } from '../../../functions/core/cdevents/index.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { loadCDEventsSchemas } from '../../support/cdevents-schemas.ts';
import { deployedSimulation, StorySimulation } from '../../support/simulated-world.ts';

const schemas = loadCDEventsSchemas();

const analysisStep = {
  analysis: {
    templates: [{ templateName: 'success-rate' }],
    args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
  },
};

function started(steps: JsonObject[], extra: JsonObject = {}): StorySimulation {
  const sim = new StorySimulation(
    deployedSimulation(
      aRollout()
        .steps(...steps)
        .canary(extra)
        .build(),
    ).object,
  );
  sim.settle();
  sim.setImage('registry.example/web:2.0');
  sim.settle();
  sim.sent.length = 0;
  return sim;
}

describe('an analysis step', () => {
  it('creates one run for the step with the resolved arguments, and continues when it succeeds', () => {
    const sim = started([{ setWeight: 20 }, analysisStep, { setWeight: 60 }]);
    const create = sim.world.applied.filter((a) => a.kind === 'createAnalysisRun');
    expect(create).toEqual([
      expect.objectContaining({
        role: 1,
        templates: [{ templateName: 'success-rate', clusterScope: false }],
        args: [{ name: 'hash', value: sim.status.currentPodHash }],
      }),
    ]);
    expect(sim.status.currentStepIndex).toBe(1);
    expect(sim.status.canary?.currentStepAnalysisRunStatus).toMatchObject({ status: 'Running' });
    sim.finish('Successful');
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
    expect(sim.story()).toEqual([
      'testsuiterun.finished',
      'stepstarted',
      'weightchanged',
      'service.upgraded',
    ]);
    for (const event of sim.sent) expect(schemas.validate(event).errors).toEqual([]);
  });

  it.each([
    ['Failed', 'AnalysisFailed'],
    ['Error', 'AnalysisError'],
  ])('aborts when the run is %s, telling it as an incident', (phase, reason) => {
    const sim = started([{ setWeight: 20 }, analysisStep, { setWeight: 60 }]);
    sim.finish(phase, 'success-rate 0.91 < 0.99');
    sim.settle();
    expect(sim.status.phase).toBe('Degraded');
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    expect(sim.story()).toEqual([
      'testsuiterun.finished',
      'incident.detected',
      'aborted',
      'service.rolledback',
    ]);
    const incident = sim.sent[1] as CDEvent<'dev.cdevents.incident.detected.0.3.0'>;
    expect(incident.customData.details).toMatchObject({ reason });
    for (const event of sim.sent) expect(schemas.validate(event).errors).toEqual([]);
  });

  it('pauses for a person when the run is inconclusive, and continues on promote', () => {
    const sim = started([{ setWeight: 20 }, analysisStep, { setWeight: 60 }]);
    sim.finish('Inconclusive');
    sim.settle();
    expect(sim.status).toMatchObject({
      phase: 'Paused',
      pauseConditions: [{ reason: 'InconclusiveAnalysisRun' }],
    });
    sim.patchStatus({ pauseConditions: [] });
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
  });

  it('gets a new run when the step is entered again after a retry', () => {
    const sim = started([{ setWeight: 20 }, analysisStep, { setWeight: 60 }]);
    sim.finish('Failed');
    sim.settle();
    sim.advance(5);
    sim.patchStatus({ abort: false });
    sim.settle();
    const names = sim.world.applied
      .filter((a) => a.kind === 'createAnalysisRun')
      .map((a) => a.name);
    expect(new Set(names).size).toBe(2);
    expect(sim.status.currentStepIndex).toBe(1);
  });
});

describe('background analysis', () => {
  const background = { analysis: { templates: [{ templateName: 'latency' }], startingStep: 1 } };

  it('starts at startingStep, aborts the canary when it fails', () => {
    const sim = started([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }], background);
    expect(sim.world.applied.filter((a) => a.kind === 'createAnalysisRun')).toEqual([
      expect.objectContaining({ role: 'background' }),
    ]);
    sim.finish('Failed', 'p99 latency 0.9 > 0.5');
    sim.settle();
    expect(sim.status.phase).toBe('Degraded');
    expect(sim.status.canary?.currentBackgroundAnalysisRunStatus).toMatchObject({
      status: 'Failed',
    });
  });

  it('is stopped (terminated) when the canary is promoted', () => {
    const sim = started([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }], background);
    sim.patchStatus({ promoteFull: true });
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
    expect(sim.world.analysisRuns.every((r) => r.terminated)).toBe(true);
  });

  it('does not start before startingStep', () => {
    const sim = new StorySimulation(
      deployedSimulation(
        aRollout()
          .steps({ pause: {} }, { setWeight: 60 })
          .canary({ analysis: { templates: [{ templateName: 'latency' }], startingStep: 1 } })
          .build(),
      ).object,
    );
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.status.phase).toBe('Paused');
    expect(sim.world.applied.filter((a) => a.kind === 'createAnalysisRun')).toEqual([]);
  });
});
