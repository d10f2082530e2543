// scaleDownDelayRevisionLimit on the test bed: three revisions promoted in a row with a long
// scaleDownDelaySeconds; with a limit of 1 only the newest old revision waits out its delay and
// the oldest scales down at once, as status.retiring says.
import { beforeAll, describe, expect, it } from 'vitest';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('revision-limit');

describe('scaleDownDelayRevisionLimit: 1', () => {
  const app = new CanaryApp(file.kube, '', 'web');

  beforeAll(async () => {
    Object.assign(app, { namespace: file.namespace });
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('web', {
        image: 'registry.example/web:1.0',
        replicas: 2,
        steps: [],
        canary: { scaleDownDelaySeconds: 600, scaleDownDelayRevisionLimit: 1 },
      }),
    );
  });

  async function promoted(image: string, previous: string | undefined): Promise<string> {
    await app.setImage(image);
    const status = await eventually(
      `Healthy on ${image}`,
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS !== previous && s.stableRS === s.currentPodHash,
    );
    return status.stableRS ?? '';
  }

  it('keeps only the newest old revision up and scales the oldest down at once', async () => {
    const v1 = (
      await eventually(
        'Healthy',
        () => app.status(),
        (s) => s.phase === 'Healthy',
      )
    ).stableRS;
    const v2 = await promoted('registry.example/web:2.0', v1);
    expect(v2).not.toBe(v1);
    const v3 = await promoted('registry.example/web:3.0', v2);
    const replicas = async (hash: string | undefined): Promise<number | undefined> =>
      (await app.replicaSets()).find((rs) => rs.metadata?.name === `web-${hash ?? ''}`)?.spec
        ?.replicas;
    await eventually(
      'the oldest revision scaled to 0',
      () => replicas(v1),
      (n) => n === 0,
    );
    expect(await replicas(v2)).toBe(2);
    expect(await replicas(v3)).toBe(2);
    const retiring = (await app.status()).retiring ?? [];
    expect(retiring.map((r) => r.podTemplateHash)).toEqual([v2]);
    expect(Date.parse(retiring[0]?.scaleDownAt ?? '') - Date.now()).toBeGreaterThan(500_000);
  });
});
