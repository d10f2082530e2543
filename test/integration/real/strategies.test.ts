// A/B and blue-green on the real bed, judged by real requests through Traefik: requests that
// carry the header reach the canary and others the stable version, and the header rule is gone
// at promotion; a blue-green preview gets no request before promotion and every one after.
import { describe, expect, inject, it } from 'vitest';
import { blueGreenStrategy } from '../../support/canary-app.ts';
import { eventually } from '../../support/kube.ts';
import { canaryStrategy, RealApp } from '../../support/real-app.ts';
import { useRunnerNamespace } from '../../support/runner.ts';
import { allServedBy, sendRequests } from '../../support/traffic.ts';

const file = useRunnerNamespace('real-strategies');
const gateway = inject('gateway');
const bed = { image: inject('demoImage'), traefikApi: inject('traefikApi') };
const tester = { 'X-Canary': 'yes' };

async function serving(app: RealApp): Promise<void> {
  await eventually(
    'Healthy on v1',
    () => app.status(),
    (s) => s.phase === 'Healthy',
    180_000,
  );
  await app.gatewayTook();
  expect(await sendRequests(gateway, app.host, 40)).toEqual(allServedBy('v1', 40));
}

describe('A/B and blue-green through a real Gateway', () => {
  it('sends header requests to the canary and the rest to stable, until promotion removes the rule', async () => {
    const app = new RealApp(file.kube, file.namespace, 'ab', bed);
    await app.createBackends();
    const strategy = canaryStrategy(
      'ab',
      [
        { setCanaryScale: { replicas: 1 } },
        {
          setHeaderRoute: {
            name: 'testers',
            match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
          },
        },
        { pause: {} },
      ],
      {
        trafficRouting: {
          managedRoutes: [{ name: 'testers' }],
          plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'ab-route' } },
        },
      },
    );
    await app.createRollout(app.manifest({ version: 'v1' }, strategy));
    await serving(app);
    await app.setBehaviour({ version: 'v2' });
    await eventually(
      'paused with the header rule in place',
      async () => ({ status: await app.status(), rules: await app.ruleNames() }),
      ({ status, rules }) => status.phase === 'Paused' && rules.some((r) => r.startsWith('kulta-')),
      120_000,
    );
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, 100, { headers: tester })).toEqual(
      allServedBy('v2', 100),
    );
    expect(await sendRequests(gateway, app.host, 100)).toEqual(allServedBy('v1', 100));

    await app.promote();
    await eventually(
      'promoted, header rule gone',
      async () => ({ status: await app.status(), rules: await app.ruleNames() }),
      ({ status, rules }) =>
        status.phase === 'Healthy' &&
        status.stableRS === status.currentPodHash &&
        !rules.some((r) => r.startsWith('kulta-')),
      120_000,
    );
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, 100, { headers: tester })).toEqual(
      allServedBy('v2', 100),
    );
    expect(await sendRequests(gateway, app.host, 100)).toEqual(allServedBy('v2', 100));
  });

  it('blue-green: no request reaches the preview before promotion, every one after', async () => {
    const app = new RealApp(file.kube, file.namespace, 'bg', bed);
    await app.createBackends();
    const strategy = blueGreenStrategy('bg', { autoPromotionEnabled: false });
    await app.createRollout(app.manifest({ version: 'v1' }, strategy));
    await serving(app);
    await app.setBehaviour({ version: 'v2' });
    await eventually(
      'preview up, waiting for promotion',
      () => app.status(),
      (s) => s.phase === 'Paused' && (s.pauseConditions ?? []).length > 0,
      120_000,
    );
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, 200)).toEqual(allServedBy('v1', 200));

    await app.promote();
    await eventually(
      'promoted',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS === s.currentPodHash,
      120_000,
    );
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, 200)).toEqual(allServedBy('v2', 200));
  });
});
