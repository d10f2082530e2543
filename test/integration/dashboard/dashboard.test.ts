// The dashboard in a real browser (a headless Chromium, driven by playwright-core) against the
// local runner on the test bed: the page follows a canary's weights live, its buttons promote,
// abort and retry after a confirmation, and the timeline shows each transition's Kubernetes
// Event and CDEvents. Screenshots land in test-results/dashboard/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../../../functions/local/runner.ts';
import { createLogger } from '../../../functions/runtime/logger.ts';
import { CanaryApp, rolloutManifest } from '../../support/canary-app.ts';
import { eventually, tempNamespace, testKube } from '../../support/kube.ts';
import { launchBrowser, screenshot, serveOnFreePort, withPage } from './browser.ts';

const kube = testKube();
const app = new CanaryApp(kube, '', 'web');
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let runner: LocalRunner;
let browser: Browser;
let server: Awaited<ReturnType<typeof serveOnFreePort>>;
let sink: Server;

/**
 * An event sink that turns every CDEvent away (403, not retried; not a refusal of the event
 * itself, which would dead-letter it): they stay in status.outbox.
 */
async function refusingSink(): Promise<{ server: Server; url: string }> {
  const refusing = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(403).end('turned away by the test'));
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const { port } = refusing.address() as AddressInfo;
  return { server: refusing, url: `http://127.0.0.1:${String(port)}/` };
}

beforeAll(async () => {
  ns = await tempNamespace(kube, 'dashboard');
  Object.assign(app, { namespace: ns.name });
  const refusing = await refusingSink();
  sink = refusing.server;
  runner = startLocalRunner({
    kc: kube.kc,
    logger: createLogger({ level: process.env.KULTA_TEST_LOG_LEVEL ?? 'silent' }),
    tickSeconds: 0.5,
    resyncSeconds: 5,
    env: { K_SINK: refusing.url, KULTA_CLUSTER_NAME: 'testbed' },
  });
  server = await serveOnFreePort(runner.app);
  browser = await launchBrowser();
  await app.createBackends();
  await app.createRollout(
    rolloutManifest('web', {
      image: 'registry.example/web:1.0',
      steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '2s' } }],
    }),
  );
});

afterAll(async () => {
  await browser.close();
  await server.stop();
  runner.stop();
  sink.closeAllConnections();
  sink.close();
  await ns.remove();
});

// The test bed is shared and busy: waits are generous, and every wait polls (no fixed sleeps).
const poll = { timeout: 90_000, interval: 200 };
const testTimeout = 300_000;

function weightOnPage(page: Page): Promise<string | null> {
  return page.getByTestId('route-weight-web-route').getAttribute('data-canary', { timeout: 2000 });
}

function currentStep(page: Page): Promise<string | null> {
  return page
    .locator('[data-testid^="step-"][data-state="current"]')
    .getAttribute('data-testid', { timeout: 2000 });
}

/** Clicks an action button, then the dialog's Confirm; resolves to the page's result line. */
async function confirmAction(page: Page, action: string): Promise<string> {
  await page.getByTestId(`action-${action}`).click();
  await page.getByTestId('confirm').waitFor({ state: 'visible' });
  await page.getByTestId('confirm-ok').click();
  await expect
    .poll(() => page.getByTestId('action-result').textContent(), poll)
    .toContain(`Rollout ${ns.name}/web`);
  return (await page.getByTestId('action-result').textContent()) ?? '';
}

describe('the dashboard on the local runner', () => {
  it(
    'lists the rollout by namespace and opens its page',
    async () => {
      await eventually(
        'Healthy',
        () => app.status(),
        (s) => s.phase === 'Healthy',
      );
      await withPage(browser, 'list', async (page) => {
        await page.goto(`${server.url}/`);
        // `/` redirects to /dashboard/, which lists every namespace.
        expect(page.url()).toBe(`${server.url}/dashboard/`);
        const row = page.getByTestId(`rollout-row-${ns.name}-web`);
        await expect.poll(() => row.textContent(), poll).toContain('Healthy');
        await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
        await screenshot(page, 'rollouts-list');
        await row.getByRole('link', { name: 'web' }).click();
        expect(page.url()).toBe(`${server.url}/dashboard/#/rollouts/${ns.name}/web`);
        await expect.poll(() => page.getByTestId('phase').textContent(), poll).toBe('Healthy');
        await expect.poll(() => weightOnPage(page), poll).toBe('0');
      });
    },
    testTimeout,
  );

  it(
    'shows the weights change as a canary steps, and promotes it after a confirmation',
    async () => {
      await withPage(browser, 'promote', async (page) => {
        const actions: string[] = [];
        page.on('request', (request) => {
          if (request.method() === 'POST') actions.push(new URL(request.url()).pathname);
        });
        await page.goto(`${server.url}/dashboard/#/rollouts/${ns.name}/web`);
        await expect.poll(() => page.getByTestId('phase').textContent(), poll).toBe('Healthy');
        await app.setImage('registry.example/web:2.0');
        // The page follows the route's real weights, pushed by the server as they change.
        await expect.poll(() => weightOnPage(page), poll).toBe('20');
        await expect.poll(() => currentStep(page), poll).toBe('step-1');
        await expect.poll(() => page.getByTestId('phase').textContent(), poll).toBe('Paused');
        expect(await page.getByTestId('action-promote').isEnabled()).toBe(true);
        expect(await page.getByTestId('action-retry').isEnabled()).toBe(false);
        await expect
          .poll(() => page.getByTestId('pause').textContent(), poll)
          .toContain('until promoted');

        // Cancel sends nothing.
        await page.getByTestId('action-abort').click();
        await page.getByTestId('confirm-cancel').click();
        await page.getByTestId('confirm').waitFor({ state: 'hidden' });
        expect(actions).toEqual([]);
        await screenshot(page, 'rollout-canary-paused');

        expect(await confirmAction(page, 'promote')).toContain('promoted (pause cleared)');
        expect(actions).toEqual(['/dashboard/api/promote']);
        await expect.poll(() => weightOnPage(page), poll).toBe('60');
        await expect.poll(() => app.weights(), poll).toEqual([40, 60]);
        // Then the timed pause passes by itself and the revision is fully promoted.
        await expect.poll(() => page.getByTestId('phase').textContent(), poll).toBe('Healthy');
        // The route follows the committed status a moment later.
        await expect.poll(() => weightOnPage(page), poll).toBe('0');
        const status = await app.status();
        expect(status.stableRS).toBe(status.currentPodHash);
        await screenshot(page, 'rollout-promoted');
      });
    },
    testTimeout,
  );

  it(
    'aborts and retries a canary from its page',
    async () => {
      await withPage(browser, 'abort-retry', async (page) => {
        await page.goto(`${server.url}/dashboard/#/rollouts/${ns.name}/web`);
        await app.setImage('registry.example/web:3.0');
        await expect.poll(() => currentStep(page), poll).toBe('step-1');
        await expect.poll(() => weightOnPage(page), poll).toBe('20');

        expect(await confirmAction(page, 'abort')).toContain('aborted');
        await expect.poll(() => page.getByTestId('phase').textContent(), poll).toBe('Degraded');
        await expect.poll(() => weightOnPage(page), poll).toBe('0');
        expect((await app.status()).abort).toBe(true);
        expect(await page.getByTestId('action-retry').isEnabled()).toBe(true);
        await screenshot(page, 'rollout-aborted');

        expect(await confirmAction(page, 'retry')).toContain('retried');
        await expect.poll(() => weightOnPage(page), poll).toBe('20');
        await expect.poll(() => page.getByTestId('phase').textContent(), poll).toBe('Paused');
        expect((await app.status()).abort).toBe(false);
      });
    },
    testTimeout,
  );

  it(
    'shows each transition with its Kubernetes Event and the CDEvents it recorded',
    async () => {
      await withPage(browser, 'timeline', async (page) => {
        await page.goto(`${server.url}/dashboard/#/rollouts/${ns.name}/web`);
        const timeline = page.getByTestId('timeline');
        const shownTransitions = async (): Promise<number[]> => {
          const items = await timeline.getByTestId('transition').all();
          return Promise.all(
            items.map(async (i) => Number(await i.getAttribute('data-transition'))),
          );
        };
        // Every transition status.history keeps is on the page, newest first.
        await expect
          .poll(async () => {
            const history = (await app.status()).history ?? [];
            const shown = await shownTransitions();
            return history.every((r) => shown.includes(r.transition)) &&
              shown[0] === history.at(-1)?.transition
              ? 'all shown'
              : { history: history.map((r) => r.transition), shown };
          }, poll)
          .toBe('all shown');
        // The Kubernetes Event of a weight change, by its reason.
        const weightSet = timeline.locator(`[data-event="weight-set"]`).first();
        await expect.poll(() => weightSet.textContent(), poll).toContain('WeightSet');
        // The refusing sink leaves the CDEvents in status.outbox: the page shows each one's type
        // and id under its transition.
        const outbox = (await app.status()).outbox ?? [];
        expect(outbox.length).toBeGreaterThan(0);
        for (const event of outbox.slice(-5)) {
          const line = timeline.locator(
            `[data-transition="${String(event.customData.transition)}"] [data-id="${event.context.id}"]`,
          );
          expect(await line.getAttribute('data-type')).toBe(event.context.type);
        }
        await screenshot(page, 'rollout-timeline');
      });
    },
    testTimeout,
  );
});
