// Parsing the strategies other than canary: exactly one strategy, blue-green's own rules (each
// error names the field and the fix), and the shared view blue-green and simple parse into.
import { describe, expect, it } from 'vitest';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';

describe('strategy errors name the field and the fix', () => {
  it.each<{ name: string; rollout: { build(): JsonObject }; error: string }>([
    {
      name: 'two strategies',
      rollout: aRollout().spec({ strategy: { canary: {}, simple: {} } }),
      error:
        'spec.strategy must set exactly one of canary, blueGreen, simple (found canary, simple)',
    },
    {
      name: 'blue-green without an active Service',
      rollout: aRollout().spec({ strategy: { blueGreen: {} } }),
      error:
        'spec.strategy.blueGreen.activeService is required: the Service that serves production traffic',
    },
    {
      name: 'blue-green with the same active and preview Service',
      rollout: aRollout().spec({
        strategy: { blueGreen: { activeService: 'web', previewService: 'web' } },
      }),
      error: 'spec.strategy.blueGreen: activeService and previewService must be different Services',
    },
    {
      name: 'blue-green auto promotion seconds without auto promotion',
      rollout: aRollout().spec({
        strategy: {
          blueGreen: { activeService: 'a', autoPromotionEnabled: false, autoPromotionSeconds: 30 },
        },
      }),
      error:
        'spec.strategy.blueGreen.autoPromotionSeconds has no effect with autoPromotionEnabled: false; remove one',
    },
    {
      name: 'blue-green routing without a preview Service',
      rollout: aRollout().spec({
        strategy: {
          blueGreen: {
            activeService: 'a',
            trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'r' } } },
          },
        },
      }),
      error:
        'spec.strategy.blueGreen: trafficRouting needs previewService: the route switches from the active to the preview backend',
    },
  ])('$name', ({ rollout, error }) => {
    const parsed = parseRollout(rollout.build());
    expect(parsed.spec).toBeUndefined();
    expect(parsed.specErrors).toContain(error);
  });
});

describe('the shared view', () => {
  it('reads blue-green with Argo defaults: active is the stable role, preview the canary role', () => {
    const { spec } = parseRollout(
      aRollout()
        .blueGreen({ previewReplicaCount: 1, activeMetadata: { labels: { role: 'active' } } })
        .build(),
    );
    expect(spec?.strategy).toBe('blueGreen');
    expect(spec?.blueGreen).toEqual({
      activeService: 'web-stable',
      previewService: 'web-canary',
      autoPromotionEnabled: true,
      autoPromotionSeconds: undefined,
      previewReplicaCount: 1,
      prePromotionAnalysis: undefined,
      postPromotionAnalysis: undefined,
    });
    expect(spec?.canary).toMatchObject({
      stableService: 'web-stable',
      canaryService: 'web-canary',
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 30,
      stableMetadata: { labels: { role: 'active' }, annotations: {} },
      steps: [],
      trafficRouting: { namespace: 'shop', httpRoutes: ['web-route'] },
    });
  });

  it('reads simple as a rolling update without routing or steps', () => {
    const { spec } = parseRollout(aRollout().simple({ maxSurge: 2 }).build());
    expect(spec?.strategy).toBe('simple');
    expect(spec?.canary).toMatchObject({
      maxSurge: 2,
      maxUnavailable: '25%',
      steps: [],
      trafficRouting: undefined,
      stableService: undefined,
    });
  });
});
