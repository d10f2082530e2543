// Aborts that tell the truth: why a rollout was aborted (operator, analysis, progress deadline)
// is recorded with the abort and carried into the transition, `aborted` and `service.rolledback`;
// abortScaleDownDelaySeconds 0 keeps the aborted revision running; the progress deadline never
// counts an analysis step, a blue-green gate or progress held by a full outbox.
import { describe, expect, it } from 'vitest';
import { outboxLimit } from '../../functions/core/events.ts';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { loadCDEventsSchemas } from '../support/cdevents-schemas.ts';
import { deployedSimulation, StorySimulation } from '../support/simulated-world.ts';

const schemas = loadCDEventsSchemas();

const analysisStep = {
  analysis: {
    templates: [{ templateName: 'success-rate' }],
    args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
  },
};

function started(builder = aRollout()): StorySimulation {
  const sim = new StorySimulation(deployedSimulation(builder.build()).object);
  sim.settle();
  sim.setImage('registry.example/web:2.0');
  sim.settle();
  sim.sent.length = 0;
  return sim;
}

/** The CDEvent of `type` sent so far, as plain JSON. */
function sentEvent(sim: StorySimulation, type: string): JsonObject {
  const event = sim.sent.find((e) => e.context.type.includes(type));
  if (!event) throw new Error(`no ${type} among ${sim.story().join(', ')}`);
  return event as unknown as JsonObject;
}

function abortContent(sim: StorySimulation): unknown {
  return (sentEvent(sim, 'kulta-rollout.aborted').subject as JsonObject).content;
}

function rollbackDetails(sim: StorySimulation): JsonObject {
  return (sentEvent(sim, 'service.rolledback').customData as JsonObject).details as JsonObject;
}

describe('why a rollout was aborted', () => {
  it.each([
    ['Failed', 'AnalysisFailed'],
    ['Error', 'AnalysisError'],
  ])(
    'an analysis run %s: the run and its metric, in status, history and events',
    (phase, reason) => {
      const sim = started(aRollout().steps({ setWeight: 20 }, analysisStep, { setWeight: 60 }));
      sim.world.analysisRuns = sim.world.analysisRuns.map((r) => ({
        ...r,
        phase,
        message: 'metric "success-rate" assessed Failed',
        failedMetrics: ['success-rate'],
      }));
      sim.settle();
      const run = sim.world.analysisRuns[0]?.name ?? '';
      expect(sim.status.abortCause).toEqual({
        reason,
        analysisRun: run,
        metrics: ['success-rate'],
        message: `AnalysisRun ${run} ${phase} (metric success-rate): metric "success-rate" assessed Failed`,
      });
      const aborted = (sim.status.history ?? []).find((h) => h.event === 'aborted');
      expect(aborted?.message).toContain(`(${reason}: AnalysisRun ${run} ${phase}`);
      expect(abortContent(sim)).toMatchObject({ abort: { reason } });
      expect(rollbackDetails(sim)).toMatchObject({ reason });
      expect(rollbackDetails(sim).message).toEqual(expect.stringContaining(run));
      for (const event of sim.sent) expect(schemas.validate(event).errors).toEqual([]);
    },
  );

  it('an operator: AbortedByUser', () => {
    const sim = started();
    sim.patchStatus({ abort: true });
    sim.settle();
    expect(sim.status.abortCause).toMatchObject({ reason: 'AbortedByUser' });
    expect(abortContent(sim)).toMatchObject({ abort: { reason: 'AbortedByUser' } });
    expect(rollbackDetails(sim)).toMatchObject({ reason: 'AbortedByUser' });
  });

  it('the progress deadline under progressDeadlineAbort: ProgressDeadlineExceeded', () => {
    const sim = started(
      aRollout().spec({ progressDeadlineSeconds: 60, progressDeadlineAbort: true }),
    );
    sim.world.podsBecomeAvailable = false;
    sim.setImage('registry.example/web:3.0');
    sim.settle();
    sim.sent.length = 0;
    sim.advance(61);
    sim.settle();
    expect(sim.status.abortCause).toMatchObject({ reason: 'ProgressDeadlineExceeded' });
    expect(sim.status.abortCause?.message).toContain('no progress since');
    expect(rollbackDetails(sim)).toMatchObject({ reason: 'ProgressDeadlineExceeded' });
  });

  it('is cleared by a retry, so the next abort tells its own cause', () => {
    const sim = started(aRollout().steps({ setWeight: 20 }, analysisStep, { setWeight: 60 }));
    sim.finish('Failed');
    sim.settle();
    expect(sim.status.abortCause?.reason).toBe('AnalysisFailed');
    sim.patchStatus({ abort: false });
    sim.settle();
    expect(sim.status.abortCause).toBeUndefined();
    expect(sim.status.abort).toBe(false); // as the operator's retry wrote it
    expect(sim.status.abortedAt).toBeUndefined();
    sim.patchStatus({ abort: true });
    sim.settle();
    expect(sim.status.abortCause?.reason).toBe('AbortedByUser');
  });
});

describe('abortScaleDownDelaySeconds: 0 keeps the aborted revision running', () => {
  it('a canary: traffic leaves it, its pods stay, and the tick stops visiting', () => {
    const sim = started(aRollout().canary({ abortScaleDownDelaySeconds: 0 }));
    const canary = sim.status.currentPodHash;
    const before = sim.world.replicasOf(canary);
    expect(before).toBeGreaterThan(0);
    sim.patchStatus({ abort: true });
    sim.settle();
    sim.advance(3600);
    const p = sim.step();
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    expect(sim.world.replicasOf(canary)).toBe(before);
    expect(sim.status.abortConfirmedAt).toBeDefined();
    expect(sim.status.abortScaleDownAt).toBeUndefined();
    expect(p.active).toBe(false);
    const confirmed = (sim.status.history ?? []).find((h) => h.event === 'abort-traffic-confirmed');
    expect(confirmed?.message).toContain('keeps running');
  });

  it('a blue-green preview stays up after the abort', () => {
    const sim = new StorySimulation(
      aRollout().blueGreen({ autoPromotionEnabled: false, abortScaleDownDelaySeconds: 0 }).build(),
    );
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    const preview = sim.status.currentPodHash;
    expect(sim.status.phase).toBe('Paused');
    sim.patchStatus({ abort: true });
    sim.settle();
    sim.advance(3600);
    sim.settle();
    expect(sim.world.services.get('web-stable')).toBe(sim.status.stableRS);
    expect(sim.world.replicasOf(preview)).toBe(4);
  });

  it('a positive delay still scales the canary down once it passed', () => {
    const sim = started(aRollout().canary({ abortScaleDownDelaySeconds: 10 }));
    const canary = sim.status.currentPodHash;
    sim.patchStatus({ abort: true });
    sim.settle();
    expect(sim.world.replicasOf(canary)).toBeGreaterThan(0);
    sim.advance(11);
    sim.settle();
    expect(sim.world.replicasOf(canary)).toBe(0);
  });
});

function deadlineReason(sim: StorySimulation): string | undefined {
  return sim.status.conditions?.find((c) => c.type === 'Progressing')?.reason;
}

describe('the progress deadline counts only time a rollout should be moving', () => {
  const deadline = { progressDeadlineSeconds: 60, progressDeadlineAbort: true };

  it('an analysis step longer than the deadline neither degrades nor aborts the canary', () => {
    const sim = started(
      aRollout().spec(deadline).steps({ setWeight: 20 }, analysisStep, { setWeight: 60 }),
    );
    expect(sim.status.currentStep?.kind).toBe('analysis');
    sim.advance(600);
    sim.settle();
    expect(deadlineReason(sim)).toBe('ReplicaSetUpdated');
    expect(sim.status.phase).toBe('Progressing');
    expect(sim.status.abort).toBeUndefined();
    expect(sim.story()).not.toContain('incident.detected');
    sim.finish('Successful');
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
  });

  it('counts again after the analysis step, from when it ended', () => {
    const sim = started(
      aRollout().spec(deadline).steps({ setWeight: 20 }, analysisStep, { setWeight: 60 }),
    );
    sim.advance(600);
    sim.world.podsBecomeAvailable = false;
    sim.finish('Successful');
    sim.settle();
    expect(sim.status.currentStep?.kind).toBe('setWeight');
    expect(deadlineReason(sim)).toBe('ReplicaSetUpdated');
    sim.advance(61);
    sim.settle();
    expect(sim.status.abortCause?.reason).toBe('ProgressDeadlineExceeded');
  });

  it('a blue-green pre-promotion analysis longer than the deadline', () => {
    const analysis: JsonObject = {
      templates: [{ templateName: 'smoke' }],
      args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    };
    const sim = new StorySimulation(
      aRollout().spec(deadline).blueGreen({ prePromotionAnalysis: analysis }).build(),
    );
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.status.blueGreen?.prePromotionAnalysisRunStatus).toBeDefined();
    sim.advance(600);
    sim.settle();
    expect(deadlineReason(sim)).toBe('ReplicaSetUpdated');
    expect(sim.status.abort).toBeUndefined();
    sim.finish('Successful');
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
  });

  it('progress held by a full outbox', () => {
    const sim = started(aRollout().spec(deadline));
    sim.sinkUp = false;
    sim.patchStatus({ pauseConditions: [] });
    sim.step();
    const [anEvent] = sim.status.outbox ?? [];
    if (!anEvent) throw new Error('the promote recorded no CDEvent');
    const outbox = Array.from({ length: outboxLimit }, (_, i) => ({
      ...anEvent,
      context: { ...anEvent.context, id: `filler-${String(i)}` },
    }));
    sim.patchStatus({ outbox });
    sim.advance(600);
    sim.step();
    sim.advance(600);
    sim.step();
    expect(sim.status.conditions?.find((c) => c.type === 'OutboxFull')?.status).toBe('True');
    expect(deadlineReason(sim)).toBe('ReplicaSetUpdated');
    expect(sim.status.abort).toBeUndefined();
  });
});
