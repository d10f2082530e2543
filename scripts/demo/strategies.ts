// The demo's other strategies on the live view: blue-green (preview, promote, one switch),
// A/B (a header route for testers, then weights) and simple (a rolling update). Each deploys
// its own first revision, walks one update and returns what it measured.
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { blueGreenStrategy, rolloutManifest } from '../../test/support/canary-app.ts';
import { follow, seconds, type DemoContext, type Timing } from './scenario.ts';
import type { Snapshot } from './snapshot.ts';

export const strategyDemos = ['blue-green', 'ab', 'simple'] as const;
export type StrategyDemo = (typeof strategyDemos)[number];

const replicas = 4;
const image = (version: string): string => `registry.example/shop:${version}`;

function readyPods(s: Snapshot, hash: string | undefined): number {
  return s.pods.find((p) => p.hash === hash)?.ready ?? 0;
}

function desiredPods(s: Snapshot, hash: string | undefined): number {
  return s.pods.find((p) => p.hash === hash)?.desired ?? 0;
}

/** Creates the rollout and waits for its first revision to be Healthy. */
async function deploy(ctx: DemoContext, strategy: JsonObject, backends: boolean): Promise<string> {
  const { app, screen, paint } = ctx;
  screen.note(paint.bold(`Deploying ${app.name} ${image('1.0')} (${String(replicas)} pods)`));
  if (backends) await app.createBackends();
  await app.createRollout(
    rolloutManifest(app.name, { image: image('1.0'), replicas, steps: [], strategy }),
  );
  const s = await follow(ctx, 'first revision', 'the first revision to be Healthy', (x) => {
    return x.status.phase === 'Healthy' && readyPods(x, x.status.stableRS) === replicas;
  });
  return s.status.stableRS ?? '';
}

function hashLine(label: string, status: RolloutStatus): string {
  const b = status.blueGreen;
  return `${label}: active Service → ${b?.activeSelector ?? '-'}, preview Service → ${b?.previewSelector ?? '-'}`;
}

/** Blue-green: the preview waits for promote, then the active Service and the route switch. */
async function blueGreen(ctx: DemoContext): Promise<Timing[]> {
  const { app, screen, paint } = ctx;
  const strategy = blueGreenStrategy(app.name, {
    autoPromotionEnabled: false,
    previewReplicaCount: 2,
    scaleDownDelaySeconds: 4,
  });
  const v1 = await deploy(ctx, strategy, true);
  screen.note(paint.bold(`Blue-green: image → ${image('2.0')}`));
  const t0 = Date.now();
  await app.setImage(image('2.0'));
  const title = `blue-green ${image('2.0')}`;
  const paused = await follow(ctx, title, 'the preview to be ready and paused', (s) => {
    return s.status.phase === 'Paused' && s.status.currentPodHash !== v1;
  });
  const v2 = paused.status.currentPodHash;
  const ready = Date.now() - t0;
  screen.note(
    paint.yellow(`! ${hashLine('preview ready (2 pods), waiting for promote', paused.status)}`),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  screen.note(paint.bold('Promote (status.pauseConditions = null)'));
  const t1 = Date.now();
  await app.promote();
  const switched = await follow(ctx, title, 'the switch', (s) => s.status.stableRS === v2);
  const switchMs = Date.now() - t1;
  screen.note(
    paint.green(`✔ ${hashLine('switched', switched.status)}; route on the preview backend`),
  );
  await follow(ctx, title, 'the route back on the active backend and the old pods gone', (s) => {
    return s.route?.canary === 0 && desiredPods(s, v1) === 0 && readyPods(s, v2) === replicas;
  });
  const done = Date.now() - t1;
  screen.note(paint.green(`✔ route back on the active backend; ${v1} scaled down`));
  return [
    { what: 'blue-green: image change → preview ready, paused', ms: ready },
    { what: 'blue-green: promote → active Service switched', ms: switchMs },
    { what: 'blue-green: promote → old revision at 0 pods', ms: done },
  ];
}

/** The names of KULTA's header rules on the route (kulta-<managed route>-<n>). */
async function headerRules(ctx: DemoContext): Promise<string[]> {
  const route = await ctx.app.route();
  const rules = ((route.spec as JsonObject).rules ?? []) as JsonObject[];
  return rules.map((r) => r.name).filter((n): n is string => typeof n === 'string');
}

/** A/B: testers with X-Canary: yes reach the canary first, then everyone by weight. */
async function ab(ctx: DemoContext): Promise<Timing[]> {
  const { app, screen, paint } = ctx;
  const v1 = await deploy(
    ctx,
    {
      canary: {
        stableService: `${app.name}-stable`,
        canaryService: `${app.name}-canary`,
        abortScaleDownDelaySeconds: 2,
        scaleDownDelaySeconds: 2,
        trafficRouting: {
          managedRoutes: [{ name: 'testers' }],
          plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${app.name}-route` } },
        },
        steps: [
          { setCanaryScale: { replicas: 1 } },
          {
            setHeaderRoute: {
              name: 'testers',
              match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
            },
          },
          { pause: {} },
          { setWeight: 50 },
          { pause: { duration: '2s' } },
        ],
      },
    },
    true,
  );
  screen.note(paint.bold(`A/B: image → ${image('2.0')}; testers (X-Canary: yes) first`));
  const t0 = Date.now();
  await app.setImage(image('2.0'));
  const title = `A/B ${image('2.0')}`;
  await follow(ctx, title, 'the header route and the pause', (s) => {
    return s.status.phase === 'Paused' && s.status.currentPodHash !== v1;
  });
  const headerMs = Date.now() - t0;
  const rules = await headerRules(ctx);
  screen.note(paint.yellow(`! route rules now: ${rules.join(', ')}; random traffic still 0%`));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  screen.note(paint.bold('Promote: testers were happy'));
  await app.promote();
  const done = await follow(ctx, title, 'full promotion', (s) => {
    return s.status.phase === 'Healthy' && s.status.stableRS !== v1 && s.route?.canary === 0;
  });
  const total = Date.now() - t0;
  const after = await headerRules(ctx);
  screen.note(
    paint.green(
      `✔ ${done.status.stableRS ?? ''} promoted; KULTA's header rule removed (${after.length === 0 ? 'no named rules left' : after.join(', ')})`,
    ),
  );
  return [
    { what: 'A/B: image change → header route in place, paused', ms: headerMs },
    { what: 'A/B: image change → fully promoted', ms: total },
  ];
}

/** Simple: pods replaced within maxSurge 1 / maxUnavailable 0. */
async function simple(ctx: DemoContext): Promise<Timing[]> {
  const { app, screen, paint } = ctx;
  const v1 = await deploy(ctx, { simple: { maxSurge: 1, maxUnavailable: 0 } }, false);
  screen.note(
    paint.bold(`Simple rolling update: image → ${image('2.0')} (maxSurge 1, maxUnavailable 0)`),
  );
  const t0 = Date.now();
  await app.setImage(image('2.0'));
  let most = 0;
  const done = await follow(ctx, `rolling ${image('2.0')}`, 'the rolling update', (s) => {
    most = Math.max(
      most,
      s.pods.reduce((n, p) => n + p.desired, 0),
    );
    return s.status.phase === 'Healthy' && s.status.stableRS !== v1 && desiredPods(s, v1) === 0;
  });
  const ms = Date.now() - t0;
  screen.note(
    paint.green(
      `✔ ${done.status.stableRS ?? ''} on all ${String(replicas)} pods; never more than ${String(most)} pods asked for`,
    ),
  );
  return [{ what: 'simple: image change → all pods replaced (Healthy)', ms }];
}

export async function runStrategyDemo(which: StrategyDemo, ctx: DemoContext): Promise<Timing[]> {
  const started = Date.now();
  const timings =
    which === 'blue-green'
      ? await blueGreen(ctx)
      : which === 'ab'
        ? await ab(ctx)
        : await simple(ctx);
  ctx.screen.note(ctx.paint.dim(`(${which} demo took ${seconds(Date.now() - started)})`));
  return timings;
}
