// Canary on the real bed: real pods behind Traefik, real requests through the Gateway. At each
// setWeight of a paused canary the split between versions is judged against a 99.9% binomial
// interval; after promotion every request reaches the new version; after an abort every
// request reaches the stable version again.
import { describe, expect, inject, it } from 'vitest';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { binomialInterval } from '../../support/binomial.ts';
import { eventually } from '../../support/kube.ts';
import { canaryStrategy, RealApp } from '../../support/real-app.ts';
import { useRunnerNamespace } from '../../support/runner.ts';
import { allServedBy, sendRequests } from '../../support/traffic.ts';

const file = useRunnerNamespace('real-canary');
const gateway = inject('gateway');
const bed = { image: inject('demoImage'), traefikApi: inject('traefikApi') };
const requests = 400;

async function deployed(name: string, steps: JsonObject[]): Promise<RealApp> {
  const app = new RealApp(file.kube, file.namespace, name, bed);
  await app.createBackends();
  await app.createRollout(app.manifest({ version: 'v1' }, canaryStrategy(name, steps)));
  await eventually(
    'Healthy on v1',
    () => app.status(),
    (s) => s.phase === 'Healthy',
    180_000,
  );
  await app.gatewayTook();
  const first = await sendRequests(gateway, app.host, 50);
  expect(first).toEqual(allServedBy('v1', 50));
  await app.setBehaviour({ version: 'v2' });
  return app;
}

/** Waits for the canary to pause at `weight`, then sends real requests and judges the split. */
async function splitAt(app: RealApp, weight: number): Promise<void> {
  await eventually(
    `paused at ${String(weight)}%`,
    async () => ({ status: await app.status(), weights: await app.weights() }),
    ({ status, weights }) =>
      status.phase === 'Paused' && weights[0] === 100 - weight && weights[1] === weight,
    120_000,
  );
  await app.gatewayTook();
  const tally = await sendRequests(gateway, app.host, requests);
  const [low, high] = binomialInterval(requests, weight / 100, 0.999);
  expect(tally.failed).toBe(0);
  expect((tally.versions.v1 ?? 0) + (tally.versions.v2 ?? 0)).toBe(requests);
  expect(tally.versions.v2 ?? 0).toBeGreaterThanOrEqual(low);
  expect(tally.versions.v2 ?? 0).toBeLessThanOrEqual(high);
}

describe('canary through a real Gateway', () => {
  it('splits real requests as each setWeight says, then sends all of them to the new version', async () => {
    const app = await deployed('split', [
      { setWeight: 20 },
      { pause: {} },
      { setWeight: 50 },
      { pause: {} },
    ]);
    await splitAt(app, 20);
    await app.promote();
    await splitAt(app, 50);
    await app.promote();
    await eventually(
      'fully promoted',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS === s.currentPodHash,
      120_000,
    );
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, requests)).toEqual(allServedBy('v2', requests));
  });

  it('sends every request to the stable version again after an abort', async () => {
    const app = await deployed('abort', [{ setWeight: 40 }, { pause: {} }]);
    await splitAt(app, 40);
    await app.abort();
    const status = await eventually(
      'aborted and confirmed on the route',
      () => app.status(),
      (s) => s.phase === 'Degraded' && s.abortScaleDownAt !== undefined,
      120_000,
    );
    expect(status.stableRS).not.toBe(status.currentPodHash);
    expect(await app.weights()).toEqual([100, 0]);
    // The abort was confirmed from the gateway's report on the route, for the route's generation.
    expect(await app.parentConditions()).toEqual({ Accepted: 'True', ResolvedRefs: 'True' });
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, requests)).toEqual(allServedBy('v1', requests));
  });
});
