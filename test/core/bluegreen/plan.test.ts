// Blue-green walked through the pure planner: the preview comes up behind the preview Service,
// analysis and pause gate the switch, the active Service and route switch in one transition,
// a post-promotion analysis can switch back, and abort returns everything to the stable revision.
import { describe, expect, it } from 'vitest';
import type { CDEvent } from '../../../functions/core/cdevents/index.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { loadCDEventsSchemas } from '../../support/cdevents-schemas.ts';
import { deployedSimulation, StorySimulation } from '../../support/simulated-world.ts';

const schemas = loadCDEventsSchemas();

class BlueGreenSimulation extends StorySimulation {
  service(name: 'web-stable' | 'web-canary'): string | undefined {
    return this.world.services.get(name);
  }
}

/** A deployed blue-green rollout whose image just changed to 2.0 (not yet stepped). */
function updated(extra: JsonObject = {}, replicas = 4): { sim: BlueGreenSimulation; v1: string } {
  const sim = new BlueGreenSimulation(aRollout().replicas(replicas).blueGreen(extra).build());
  sim.settle();
  sim.sent.length = 0;
  const v1 = sim.status.stableRS ?? '';
  sim.setImage('registry.example/web:2.0');
  return { sim, v1 };
}

const analysis = (templateName: string): JsonObject => ({
  templates: [{ templateName }],
  args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
});

function expectValidEvents(events: readonly CDEvent[]): void {
  for (const event of events) expect(schemas.validate(event)).toEqual({ valid: true, errors: [] });
}

describe('blue-green, happy path', () => {
  it('deploys the first revision behind both Services', () => {
    const sim = deployedSimulation(aRollout().blueGreen().build());
    const hash = sim.status.stableRS;
    expect(sim.status.phase).toBe('Healthy');
    expect(sim.status.blueGreen).toEqual({ activeSelector: hash, previewSelector: hash });
    expect(sim.world.services.get('web-stable')).toBe(hash);
    expect(sim.world.services.get('web-canary')).toBe(hash);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });

  it('brings the preview up at full size, switches the active Service and the route, then retires the old revision', () => {
    const { sim, v1 } = updated();
    sim.step();
    const v2 = sim.status.currentPodHash ?? '';
    expect(v2).not.toBe(v1);
    expect(sim.status.blueGreen).toMatchObject({ activeSelector: v1, previewSelector: v2 });
    expect(sim.world.replicasOf(v2)).toBe(4);
    expect(sim.service('web-canary')).toBe(v2);
    expect(sim.service('web-stable')).toBe(v1);
    expect(sim.status.phase).toBe('Progressing');

    const events = sim.settle();
    expect(events).toEqual(['preview-ready', 'promoted']);
    expect(sim.status).toMatchObject({ phase: 'Healthy', stableRS: v2, currentPodHash: v2 });
    expect(sim.status.blueGreen).toMatchObject({ activeSelector: v2, previewSelector: v2 });
    expect(sim.service('web-stable')).toBe(v2);
    // The switch is a route edit: all traffic on the preview backend while the active Service's
    // endpoints catch up; the old revision keeps its pods for scaleDownDelaySeconds.
    expect(sim.world.route).toEqual({ stable: 0, canary: 100 });
    expect(sim.world.replicasOf(v1)).toBe(4);

    sim.advance(31);
    sim.settle();
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    expect(sim.world.replicasOf(v1)).toBe(0);
    expect(sim.status.retiring).toBeUndefined();
    expect(sim.story()).toEqual(['service.upgraded']);
    expectValidEvents(sim.sent);
  });

  it('moves the route back to the active backend before the next preview re-points the preview Service', () => {
    const { sim } = updated();
    sim.settle();
    expect(sim.world.route).toEqual({ stable: 0, canary: 100 });
    sim.setImage('registry.example/web:3.0');
    sim.world.applied.length = 0;
    sim.step();
    const traffic = sim.world.applied.filter(
      (a) => a.kind === 'setRouteWeights' || a.kind === 'setServiceSelector',
    );
    expect(traffic.map((a) => a.kind)).toEqual(['setRouteWeights', 'setServiceSelector']);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });

  it('uses previewReplicaCount for the preview and scales to full size before the switch', () => {
    const { sim, v1 } = updated({ previewReplicaCount: 1 });
    sim.step();
    const v2 = sim.status.currentPodHash ?? '';
    expect(sim.world.replicasOf(v2)).toBe(1);
    expect(sim.settle()).toEqual(['preview-ready', 'preview-scaled-up', 'promoted']);
    expect(sim.status.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    expect(sim.world.replicasOf(v2)).toBe(4);
    expect(sim.status.stableRS).toBe(v2);
    expect(sim.world.replicasOf(v1)).toBe(4);
  });
});

describe('blue-green promotion gates', () => {
  it('autoPromotionEnabled: false pauses with BlueGreenPause until promote', () => {
    const { sim, v1 } = updated({ autoPromotionEnabled: false });
    expect(sim.settle()).toEqual(['revision-started', 'paused']);
    expect(sim.status.phase).toBe('Paused');
    expect(sim.status.pauseConditions).toEqual([
      { reason: 'BlueGreenPause', startTime: sim.status.blueGreen?.previewReadyAt },
    ]);
    expect(sim.status.message).toBe('BlueGreenPause until promoted');
    sim.advance(3600);
    expect(sim.settle()).toEqual([]);
    expect(sim.service('web-stable')).toBe(v1);
    sim.patchStatus({ pauseConditions: undefined });
    expect(sim.settle()).toEqual(['promoted']);
    expect(sim.service('web-stable')).toBe(sim.status.currentPodHash);
    expect(sim.story()).toContain('paused');
    expectValidEvents(sim.sent);
  });

  it('autoPromotionSeconds promotes by itself when the countdown ends', () => {
    const { sim } = updated({ autoPromotionSeconds: 60 });
    expect(sim.settle()).toEqual(['revision-started', 'paused']);
    const endsAt = sim.status.pauseEndsAt ?? '';
    expect(Date.parse(endsAt) - Date.parse(sim.status.blueGreen?.previewReadyAt ?? '')).toBe(
      60_000,
    );
    sim.advance(61);
    expect(sim.settle()).toEqual(['resumed', 'promoted']);
    expect(sim.status.phase).toBe('Healthy');
  });

  it('promote --full skips the pause and the pre-promotion analysis', () => {
    const { sim } = updated({
      autoPromotionEnabled: false,
      prePromotionAnalysis: analysis('smoke'),
    });
    sim.settle();
    expect(sim.world.analysisRuns).toHaveLength(1);
    sim.patchStatus({ promoteFull: true });
    expect(sim.settle()).toEqual(['promoted']);
    expect(sim.world.analysisRuns[0]?.terminated).toBe(true);
  });

  it('runs the pre-promotion analysis on the ready preview and switches when it succeeds', () => {
    const { sim, v1 } = updated({ prePromotionAnalysis: analysis('smoke') });
    expect(sim.settle()).toEqual(['revision-started', 'preview-ready', 'analysis-started']);
    const v2 = sim.status.currentPodHash ?? '';
    const create = sim.world.applied.filter((a) => a.kind === 'createAnalysisRun');
    expect(create).toEqual([
      expect.objectContaining({
        role: 'prePromotion',
        podTemplateHash: v2,
        stableHash: v1,
        args: [{ name: 'hash', value: v2 }],
      }),
    ]);
    expect(sim.service('web-stable')).toBe(v1);
    sim.finish('Successful');
    expect(sim.settle()).toEqual(['analysis-progressed', 'promoted']);
    expect(sim.status.blueGreen?.prePromotionAnalysisRunStatus).toMatchObject({
      status: 'Successful',
    });
    expect(sim.story()).toEqual([
      'testsuiterun.started',
      'testsuiterun.finished',
      'service.upgraded',
    ]);
    expectValidEvents(sim.sent);
  });

  it('shows an A/B verdict (effect size, confidence) in status and in testsuiterun.finished', () => {
    const { sim } = updated({ prePromotionAnalysis: analysis('checkout') });
    sim.settle();
    const experiments = [
      {
        metric: 'checkout',
        verdict: 'Fail',
        score: 0,
        comparisons: [
          {
            name: 'conversion',
            classification: 'Low',
            pValue: 0.0001,
            confidence: 0.95,
            effect: -0.04,
            canaryRate: 0.06,
            baselineRate: 0.1,
            interval: [-0.057, -0.023] as const,
          },
        ],
      },
    ];
    sim.world.analysisRuns = sim.world.analysisRuns.map((r) => ({
      ...r,
      phase: 'Failed',
      message: 'judge Fail',
      experiments,
    }));
    sim.settle();
    expect(sim.status.blueGreen?.prePromotionAnalysisRunStatus?.experiments).toEqual(experiments);
    const finished = sim.sent.find((e) => e.context.type.includes('testsuiterun.finished'));
    expect(finished?.customData.experiments).toEqual(experiments);
    expect(sim.status.phase).toBe('Degraded');
    expectValidEvents(sim.sent);
  });

  it('aborts when the pre-promotion analysis fails: the preview Service returns to stable, the new pods go', () => {
    const { sim, v1 } = updated({ prePromotionAnalysis: analysis('smoke') });
    sim.settle();
    const v2 = sim.status.currentPodHash ?? '';
    sim.finish('Failed', 'error rate 0.3 > 0.05');
    expect(sim.settle()).toEqual(['analysis-failed', 'aborted', 'abort-traffic-confirmed']);
    expect(sim.status.phase).toBe('Degraded');
    expect(sim.service('web-canary')).toBe(v1);
    expect(sim.service('web-stable')).toBe(v1);
    expect(sim.world.replicasOf(v2)).toBe(4);
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(v2)).toBe(0);
    expect(sim.world.replicasOf(v1)).toBe(4);
    expect(sim.story()).toEqual([
      'testsuiterun.started',
      'testsuiterun.finished',
      'incident.detected',
      'aborted',
      'service.rolledback',
    ]);
    expectValidEvents(sim.sent);
  });

  it('pauses on an inconclusive pre-promotion analysis until a person promotes', () => {
    const { sim } = updated({ prePromotionAnalysis: analysis('smoke') });
    sim.settle();
    sim.finish('Inconclusive');
    expect(sim.settle()).toEqual(['analysis-inconclusive']);
    expect(sim.status.pauseConditions?.[0]?.reason).toBe('InconclusiveAnalysisRun');
    sim.patchStatus({ pauseConditions: undefined });
    expect(sim.settle()).toEqual(['promoted']);
  });
});

describe('blue-green post-promotion analysis', () => {
  it('keeps the previous revision at full size until the analysis passes, then retires it', () => {
    const { sim, v1 } = updated({ postPromotionAnalysis: analysis('soak') });
    expect(sim.settle()).toEqual([
      'revision-started',
      'preview-ready',
      'switched',
      'analysis-started',
    ]);
    const v2 = sim.status.currentPodHash ?? '';
    expect(sim.service('web-stable')).toBe(v2);
    expect(sim.status.stableRS).toBe(v1);
    expect(sim.status.phase).toBe('Progressing');
    expect(sim.world.applied).toContainEqual(
      expect.objectContaining({ kind: 'createAnalysisRun', role: 'postPromotion' }),
    );
    sim.advance(120);
    sim.settle();
    expect(sim.world.replicasOf(v1)).toBe(4);
    // The route went back to the active backend once scaleDownDelaySeconds had passed.
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    sim.finish('Successful');
    expect(sim.settle()).toEqual(['analysis-progressed', 'promoted']);
    expect(sim.status.stableRS).toBe(v2);
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(v1)).toBe(0);
  });

  it('a newer revision during the post-promotion analysis sends production back to the stable one', () => {
    const { sim, v1 } = updated({ postPromotionAnalysis: analysis('soak') });
    sim.settle();
    expect(sim.service('web-stable')).toBe(sim.status.currentPodHash);
    sim.setImage('registry.example/web:3.0');
    sim.step();
    const v3 = sim.status.currentPodHash;
    expect(sim.status.blueGreen).toMatchObject({ activeSelector: v1, previewSelector: v3 });
    expect(sim.service('web-stable')).toBe(v1);
    expect(sim.service('web-canary')).toBe(v3);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });

  it('switches back to the previous revision when the post-promotion analysis fails', () => {
    const { sim, v1 } = updated({ postPromotionAnalysis: analysis('soak') });
    sim.settle();
    const v2 = sim.status.currentPodHash ?? '';
    sim.world.applied.length = 0;
    sim.finish('Error', 'Prometheus unreachable');
    expect(sim.settle()).toEqual(['analysis-failed', 'aborted', 'abort-traffic-confirmed']);
    expect(sim.service('web-stable')).toBe(v1);
    expect(sim.service('web-canary')).toBe(v1);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    // Traffic leaves the preview backend before either Service moves back.
    const traffic = sim.world.applied.filter(
      (a) => a.kind === 'setRouteWeights' || a.kind === 'setServiceSelector',
    );
    expect(traffic[0]?.kind).toBe('setRouteWeights');
    expect(sim.status.phase).toBe('Degraded');
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(v2)).toBe(0);
    expect(sim.world.replicasOf(v1)).toBe(4);
  });
});

describe('blue-green abort, retry and bad worlds', () => {
  it('abort during preview, then retry brings the preview back', () => {
    const { sim, v1 } = updated({ autoPromotionEnabled: false });
    sim.settle();
    const v2 = sim.status.currentPodHash ?? '';
    sim.patchStatus({ abort: true });
    expect(sim.settle()).toEqual(['aborted', 'abort-traffic-confirmed']);
    expect(sim.service('web-canary')).toBe(v1);
    sim.patchStatus({ abort: false });
    expect(sim.settle()).toEqual(['retried', 'paused']);
    expect(sim.service('web-canary')).toBe(v2);
    expect(sim.status.phase).toBe('Paused');
  });

  it('reverting the template returns both Services to the stable revision', () => {
    const { sim, v1 } = updated({ autoPromotionEnabled: false });
    sim.settle();
    sim.setImage('registry.example/web:1.0');
    expect(sim.settle()).toEqual(['rolled-back-to-stable']);
    expect(sim.service('web-canary')).toBe(v1);
    expect(sim.status.phase).toBe('Healthy');
  });

  it('waits with a clear condition while the preview Service is missing', () => {
    const { sim, v1 } = updated();
    sim.world.missingServices.add('web-canary');
    sim.settle();
    expect(sim.status.phase).toBe('Progressing');
    expect(sim.service('web-stable')).toBe(v1);
    const routing = sim.status.conditions?.find((c) => c.type === 'TrafficRoutingReady');
    expect(routing).toMatchObject({
      status: 'False',
      message: expect.stringContaining(
        'Service "web-canary" (spec.strategy.blueGreen.previewService) does not exist: create it',
      ) as unknown,
    });
    sim.world.missingServices.delete('web-canary');
    expect(sim.settle()).toEqual(['preview-ready', 'promoted']);
  });

  it('switches by Service selector alone without trafficRouting', () => {
    const deployed = deployedSimulation(aRollout().withoutTrafficRouting().blueGreen().build());
    deployed.setImage('registry.example/web:2.0');
    deployed.settle();
    expect(deployed.world.applied.some((a) => a.kind === 'setRouteWeights')).toBe(false);
    expect(deployed.world.services.get('web-stable')).toBe(deployed.status.currentPodHash);
  });
});
