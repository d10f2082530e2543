// The dashboard's browser-test harness: a headless Chromium (test/support/chromium.ts) driven by
// playwright-core, a page per test that fails on any script error, and screenshots under
// test-results/dashboard/ (always for named steps, and on failure).
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureChromium } from '../../support/chromium.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where screenshots go: test-results/ is git-ignored. */
export const artifactDir = join(root, 'test-results', 'dashboard');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactDir, { recursive: true });
  const path = join(artifactDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Runs `body` on a fresh page. Script errors and console errors on the page fail the test (but
 * those matching `expected.errors`, e.g. a refused request the test provokes); on any failure a
 * screenshot `<name>-failure.png` is saved before the error is rethrown (with its path).
 */
export async function withPage(
  browser: Browser,
  name: string,
  body: (page: Page) => Promise<void>,
  expected: { errors?: readonly RegExp[] } = {},
): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() !== 'error' || expected.errors?.some((e) => e.test(text))) return;
    pageErrors.push(text);
  });
  try {
    await body(page);
    if (pageErrors.length > 0) throw new Error(`the page logged errors: ${pageErrors.join(' | ')}`);
  } catch (error) {
    const shot = await screenshot(page, `${name}-failure`).catch((e: unknown) => String(e));
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n(screenshot: ${shot})`, { cause: error });
  } finally {
    await context.close();
  }
}

/** Serves `app` on a free port of 127.0.0.1; resolves to its base URL and a stop function. */
export function serveOnFreePort(app: Hono): Promise<{ url: string; stop: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server: ServerType = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1' },
      (info) => {
        resolve({
          url: `http://127.0.0.1:${String(info.port)}`,
          stop: () =>
            new Promise((done) => {
              // Live streams stay open; closing the server must not wait for them.
              if ('closeAllConnections' in server) server.closeAllConnections();
              server.close(() => {
                done();
              });
            }),
        });
      },
    );
  });
}
