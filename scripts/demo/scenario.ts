// The demo's story on a live view: the first revision, a canary walked to full promotion, and
// an abort that takes traffic back to stable. Each part returns what it measured.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { type CanaryApp, rolloutManifest } from '../../test/support/canary-app.ts';
import type { Paint } from '../../functions/cli/paint.ts';
import type { LiveScreen } from '../../functions/cli/screen.ts';
import { type Snapshot, takeSnapshot } from './snapshot.ts';
import { renderFrame, summaryLine } from './view.ts';

export const demoReplicas = 5;
export const demoSteps: JsonObject[] = [
  { setWeight: 20 },
  { pause: { duration: '3s' } },
  { setWeight: 50 },
  { pause: { duration: '3s' } },
  { setWeight: 80 },
  { pause: { duration: '2s' } },
];

export interface DemoContext {
  readonly app: CanaryApp;
  readonly screen: LiveScreen;
  readonly paint: Paint;
  readonly signal: AbortSignal;
  /** Longest wait for any one thing, ms. */
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** The newest status.history transition already shown. */
  readonly seen: { transition: number };
}

/** One measured duration of the demo, for the summary. */
export interface Timing {
  readonly what: string;
  readonly ms: number;
}

const image = (version: string): string => `registry.example/shop:${version}`;

/** Shows transitions recorded in status.history that were not shown yet. */
function noteNewHistory(ctx: DemoContext, s: Snapshot): void {
  const seen = ctx.seen;
  for (const record of s.status.history ?? []) {
    if (record.transition <= seen.transition) continue;
    seen.transition = record.transition;
    ctx.screen.note(`  ${ctx.paint.cyan('»')} ${record.event}: ${record.message}`, s.at);
  }
}

/** Polls and shows the app until `done` holds; throws on timeout with what was last seen. */
export async function follow(
  ctx: DemoContext,
  title: string,
  what: string,
  done: (s: Snapshot) => boolean,
): Promise<Snapshot> {
  const deadline = Date.now() + ctx.timeoutMs;
  let last: Snapshot | undefined;
  for (;;) {
    ctx.signal.throwIfAborted();
    last = await takeSnapshot(ctx.app);
    noteNewHistory(ctx, last);
    ctx.screen.show(renderFrame(last, title, ctx.paint), summaryLine(last), last.at);
    if (done(last)) return last;
    if (Date.now() > deadline) {
      const seen = summaryLine(last);
      throw new Error(
        `timed out after ${String(ctx.timeoutMs / 1000)}s waiting for ${what}; last seen: ${seen}`,
      );
    }
    await sleep(ctx.pollMs, undefined, { signal: ctx.signal });
  }
}

function podsOf(s: Snapshot, hash: string | undefined): { desired: number; ready: number } {
  const set = s.pods.find((p) => p.hash === hash);
  return { desired: set?.desired ?? 0, ready: set?.ready ?? 0 };
}

function settledOn(s: Snapshot, hash: string | undefined): boolean {
  const pods = podsOf(s, hash);
  return (
    s.status.phase === 'Healthy' &&
    s.status.stableRS === hash &&
    s.route?.canary === 0 &&
    pods.ready === demoReplicas
  );
}

/** Deploys the app; its first revision goes straight to stable. */
export async function deployFirst(ctx: DemoContext): Promise<Timing[]> {
  const { app, screen, paint } = ctx;
  screen.note(paint.bold(`Deploying ${app.name} ${image('1.0')} (${String(demoReplicas)} pods)`));
  await app.createBackends();
  const t0 = Date.now();
  await app.createRollout(
    rolloutManifest(app.name, { image: image('1.0'), replicas: demoReplicas, steps: demoSteps }),
  );
  await follow(ctx, 'first revision', 'the first revision to be Healthy', (s) =>
    settledOn(s, s.status.stableRS),
  );
  const ms = Date.now() - t0;
  screen.note(paint.green(`✔ first revision Healthy in ${seconds(ms)}`));
  return [{ what: 'first revision: create → Healthy', ms }];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Changes the image and follows the canary through every step to full promotion. */
export async function walkCanary(ctx: DemoContext): Promise<Timing[]> {
  const { app, screen, paint } = ctx;
  const before = await app.status();
  screen.note(paint.bold(`Canary: image → ${image('2.0')}`));
  const t0 = Date.now();
  await app.setImage(image('2.0'));
  const title = `canary ${image('2.0')}`;
  const promoted = await follow(ctx, title, 'the canary to be fully promoted', (s) => {
    const hash = s.status.currentPodHash;
    return hash !== before.stableRS && settledOn(s, hash);
  });
  const ms = Date.now() - t0;
  const hash = promoted.status.stableRS ?? '';
  screen.note(
    paint.green(
      `✔ canary reached 100%: revision ${hash} fully promoted, route stable 100 / canary 0, in ${seconds(ms)}`,
    ),
  );
  await follow(ctx, title, 'the old revision to scale down', (s) => {
    const old = podsOf(s, before.stableRS);
    return old.desired === 0 && old.ready === 0;
  });
  const drained = Date.now() - t0;
  screen.note(paint.green(`✔ old revision ${before.stableRS ?? ''} scaled down to 0 pods`));
  return [
    { what: 'canary: image change → fully promoted (Healthy)', ms },
    { what: 'canary: image change → old revision at 0 pods', ms: drained },
  ];
}

/** A new image; once the canary carries traffic, abort it and follow traffic back to stable. */
export async function showAbort(ctx: DemoContext): Promise<Timing[]> {
  const { app, screen, paint } = ctx;
  const before = await app.status();
  screen.note(paint.bold(`Abort: image → ${image('3.0')}, aborted once it carries traffic`));
  await app.setImage(image('3.0'));
  const title = `abort ${image('3.0')}`;
  const live = await follow(ctx, title, 'the canary to carry traffic', (s) => {
    const hash = s.status.currentPodHash;
    return hash !== before.stableRS && (s.route?.canary ?? 0) > 0;
  });
  const canary = live.status.currentPodHash;
  screen.note(
    paint.yellow(
      `! canary has ${String(live.route?.canary)}% of traffic: abort (status.abort=true)`,
    ),
  );
  const t0 = Date.now();
  await app.abort();
  await follow(ctx, title, 'the route to send 0% to the canary', (s) => s.route?.canary === 0);
  const zero = Date.now() - t0;
  screen.note(paint.green(`✔ traffic back on stable: canary weight 0 after ${seconds(zero)}`));
  const end = await follow(ctx, title, 'the canary to scale down (Degraded)', (s) => {
    const pods = podsOf(s, canary);
    return s.status.phase === 'Degraded' && pods.desired === 0 && pods.ready === 0;
  });
  const scaled = Date.now() - t0;
  screen.note(
    paint.red(
      `✔ phase ${end.status.phase ?? ''}: canary ${canary ?? ''} scaled to 0 pods, canary weight ${String(end.route?.canary)}, stable ${end.status.stableRS ?? ''} serves 100%`,
    ),
  );
  return [
    { what: 'abort → canary weight 0 on the route', ms: zero },
    { what: 'abort → canary at 0 pods (Degraded)', ms: scaled },
  ];
}
