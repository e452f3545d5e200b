// Shared by the dashboard's browser tests: a real build of fixtures/dashboard with the plugin (brotli
// at quality 5 to keep it quick), the API on an in-memory SQLite database, the production server on
// 127.0.0.1, and Debian's Chromium through playwright-core (never a downloaded browser).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildDashboard,
  createDashboardApi,
  type DashboardApi,
  type DashboardServer,
  serveDashboard,
} from '@wirepack/fixture-dashboard';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH_OPTIONS } from '../../scripts/chromium.ts';

export { hasChromium } from '../../scripts/chromium.ts';

/** A built, served dashboard and a browser. */
export interface DashboardRig {
  readonly dist: string;
  readonly api: DashboardApi;
  readonly server: DashboardServer;
  readonly browser: BrowserContext;
  close(): Promise<void>;
}

export async function startRig(): Promise<DashboardRig> {
  const work = join(
    fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url)),
    `dashboard-${process.pid}-${Date.now().toString(36)}`,
  );
  const dist = join(work, 'dist');
  await buildDashboard({
    outDir: dist,
    cacheDir: join(work, 'vite-cache'),
    wirepack: { brotli: { quality: 5 }, cache: { dir: join(work, 'wirepack-cache') } },
  });
  const api = createDashboardApi();
  // This process also runs Vite's build and drives Chromium on a shared machine, so its event loop's
  // lateness and its latencies are the test's, not the server's (a production server has its own
  // process). So no shedding on event-loop delay (it would turn batches into 503s and retries, and the
  // tests count batches), and a p95 target of a minute in /healthz: a latency threshold would be a timed assertion
  // (bench:load measures latency). The error-rate, CPU and memory targets stay as in production.
  const server = await serveDashboard({
    api,
    dist,
    admission: { maxEventLoopDelayMs: false },
    metrics: { health: { thresholds: { p95Ms: 60_000 } } },
  });
  const profile = await mkdtemp(join(tmpdir(), 'wirepack-dashboard-profile-'));
  const browser = await chromium.launchPersistentContext(profile, CHROMIUM_LAUNCH_OPTIONS);
  return {
    dist,
    api,
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      api.close();
      await rm(profile, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * What a page logged as an error: console errors (with the URL Chromium names, such as the resource
 * that failed to load) and uncaught exceptions.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url } = message.location();
    errors.push(url === '' ? message.text() : `${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** Waits until the app marks `view` rendered with its data (`<html data-ready>`). */
export async function waitForView(page: Page, view: string): Promise<void> {
  await page.waitForFunction((name) => document.documentElement.dataset.ready === name, view);
}
