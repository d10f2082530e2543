// The dashboard page in a real browser on fake ports (no cluster): measurements drawn as SVG,
// cluster data shown as text and never as markup, a gone Rollout, read failures and refused
// actions shown to the person. Screenshots land in test-results/dashboard/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardDetail } from '../../../functions/dashboard/kubernetes.ts';
import { ConflictError, TransientError } from '../../../functions/runtime/errors.ts';
import { buildRolloutDetail } from '../../../functions/view/build-detail.ts';
import { input, now, pausedStatus } from '../../cli/fixtures/detail-input.ts';
import { fakeDashboard } from '../../dashboard/fakes.ts';
import { launchBrowser, screenshot, serveOnFreePort, withPage } from './browser.ts';

const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';

function detail(): DashboardDetail {
  const rollout = buildRolloutDetail(input(pausedStatus), now);
  return {
    rollout: { ...rollout, message: `paused ${hostile}` },
    timeline: [
      {
        transition: 7,
        event: 'paused',
        at: '2026-11-22T09:59:30Z',
        message: `pause 30s ${hostile}`,
        kubernetesEvent: { name: 'web.uid-1.7.paused', type: 'Normal', reason: 'Paused' },
        cdevents: [
          { type: 'dev.cdeventsx.kulta-rollout.paused.0.1.0', id: 'id-7', pending: true },
          { type: 'dev.cdeventsx.kulta-rollout.stepstarted.0.1.0', id: 'id-7b', pending: false },
        ],
      },
    ],
  };
}

let browser: Browser;
const fake = fakeDashboard({ intervalMs: 50 });
let server: Awaited<ReturnType<typeof serveOnFreePort>>;
const page = (name = 'web'): string => `${server.url}/#/rollouts/shop/${name}`;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await serveOnFreePort(fake.app);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

describe('the rollout page', () => {
  it('plots each metric: one dot per measurement, coloured by phase, on a line', async () => {
    const view = detail();
    fake.reader.answers = [view];
    await withPage(browser, 'analysis', async (p) => {
      await p.goto(page());
      const [run] = view.rollout.analysis.runs;
      if (!run) throw new Error('the fixture has no analysis run');
      for (const metric of run.metrics) {
        const plot = p.getByTestId(`metric-${metric.name}`).getByTestId('measurement-plot');
        await plot.waitFor();
        const dots = plot.locator('circle');
        expect(await dots.count()).toBe(metric.measurements.length);
        const values = await Promise.all(
          (await dots.all()).map((dot) => dot.getAttribute('data-value')),
        );
        // "[0.02]" as Prometheus results come: the number is what is drawn.
        expect(values).toEqual(
          metric.measurements.map((m) => String(Number(/[\d.]+/.exec(m.value ?? '')?.[0]))),
        );
        expect(await plot.locator('circle.phase-successful').count()).toBe(
          metric.measurements.filter((m) => m.phase === 'Successful').length,
        );
        expect(await plot.locator('polyline').count()).toBe(1);
      }
      await screenshot(p, 'rollout-analysis');
    });
  });

  it('shows what the cluster says as text, never as markup', async () => {
    fake.reader.answers = [detail()];
    await withPage(browser, 'escaping', async (p) => {
      await p.goto(page());
      await expect.poll(() => p.getByTestId('message').textContent()).toBe(`paused ${hostile}`);
      await expect
        .poll(() => p.getByTestId('timeline').textContent())
        .toContain(`pause 30s ${hostile}`);
      expect(await p.locator('main img, main script, main [onerror]').count()).toBe(0);
      expect(await p.evaluate('window.pwned')).toBeUndefined();
    });
  });

  it('marks only the CDEvents the sink has not taken yet', async () => {
    fake.reader.answers = [detail()];
    await withPage(browser, 'cdevents', async (p) => {
      await p.goto(page());
      const waiting = p.locator('[data-testid="cdevent"][data-id="id-7"]');
      const delivered = p.locator('[data-testid="cdevent"][data-id="id-7b"]');
      await expect.poll(() => waiting.textContent()).toContain('waiting for the sink');
      expect(await delivered.textContent()).not.toContain('waiting for the sink');
    });
  });

  it('says so when the Rollout does not exist', async () => {
    fake.reader.answers = [undefined];
    await withPage(browser, 'gone', async (p) => {
      await p.goto(page('gone'));
      await expect
        .poll(() => p.getByTestId('message').textContent())
        .toContain('This Rollout does not exist');
    });
  });

  it('shows a failing read in the live indicator, and recovers when reads work again', async () => {
    fake.reader.answers = [new TransientError('reading Rollout shop/web: API down')];
    await withPage(browser, 'read-failure', async (p) => {
      await p.goto(page());
      const live = p.getByTestId('live');
      await expect.poll(() => live.getAttribute('data-state')).toBe('failed');
      expect(await live.textContent()).toBe('error: reading Rollout shop/web: API down');
      fake.reader.answers = [detail()];
      await expect.poll(() => live.getAttribute('data-state')).toBe('live');
      await expect.poll(() => p.getByTestId('phase').textContent()).toBe('Paused');
    });
  });

  it('reports a refused action on the page', async () => {
    fake.reader.answers = [detail()];
    fake.operator.failure = new ConflictError(
      'Rollout shop/web changed while patching it; run the command again',
    );
    await withPage(
      browser,
      'refused-action',
      async (p) => {
        await p.goto(page());
        await p.getByTestId('action-promote').click();
        await p.getByTestId('confirm-ok').click();
        const result = p.getByTestId('action-result');
        await expect.poll(() => result.textContent()).toContain('changed while patching it');
        expect(await result.getAttribute('class')).toContain('error');
        expect(fake.operator.calls).toEqual([[{ namespace: 'shop', name: 'web' }, 'promote']]);
      },
      { errors: [/status of 409 \(Conflict\)/] },
    );
  });
});
