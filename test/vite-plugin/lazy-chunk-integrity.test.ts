// SRI as the browser enforces it, for what a page loads eagerly and lazily: a real Vite build of
// fixtures/lazy-app with @wirepack/vite-plugin, served by serveStatic of @wirepack/server/node on
// 127.0.0.1, loaded in Debian's Chromium (never a downloaded one) through playwright-core. Each case
// tampers with one built file after the build, the way a compromised CDN or bucket would (same size,
// other bytes; the precompressed siblings removed so the tampered identity file is what is served),
// and checks that the chunk does not run and that Chromium reports the integrity failure.
// Regression (issue 10): before the import map integrity, the tampered lazy chunks ran.

import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StaticWarning, serveStatic, toNodeListener } from '@wirepack/server/node';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_LAUNCH_OPTIONS, hasChromium } from '../../scripts/chromium.ts';
import { buildFixtureApp } from '../support/build-fixture-app.ts';

if (!hasChromium) {
  console.warn(
    `\n!!! [wirepack/test] SKIPPING the lazy-chunk integrity browser test: ${CHROMIUM} is missing.\n` +
      "!!! Install Debian's chromium (scripts/bootstrap.mjs does it in CI) or set WIREPACK_CHROMIUM.\n",
  );
}

/** What one page load saw. */
interface Visit {
  /** The markers the fixture's modules set when they run (`document.body.dataset`). */
  readonly ran: Record<string, string>;
  /** How `loadRoute('orders')` ended: `loaded` or the error's message. */
  readonly route: string;
  /** The body's computed colour: the eager stylesheet sets rgb(1, 2, 3). */
  readonly color: string;
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  readonly warnings: StaticWarning[];
}

describe.skipIf(!hasChromium)('SRI of eager and lazily imported chunks, in Chromium', () => {
  let work: string;
  let dist: string;
  let browser: BrowserContext;
  const servers: Server[] = [];

  /** The one built file under assets/ whose name matches, e.g. the orders route's chunk. */
  async function asset(pattern: RegExp): Promise<string> {
    const names = (await readdir(join(dist, 'assets'))).filter((name) => pattern.test(name));
    expect(names, String(pattern)).toHaveLength(1);
    return `assets/${names[0]}`;
  }

  /**
   * A copy of the build with `file`'s `from` replaced by `to` (same length, so the size the
   * manifest records still matches and serveStatic serves the altered bytes), its siblings removed.
   */
  async function tampered(file: string, from: string, to: string): Promise<string> {
    expect(to).toHaveLength(from.length);
    const root = await mkdtemp(join(work, 'tampered-'));
    await cp(dist, root, { recursive: true });
    const text = await readFile(join(root, file), 'utf8');
    expect(text.split(from)).toHaveLength(2);
    await writeFile(join(root, file), text.replace(from, to));
    await rm(join(root, `${file}.br`), { force: true });
    await rm(join(root, `${file}.gz`), { force: true });
    return root;
  }

  async function visit(root: string): Promise<Visit> {
    const warnings: StaticWarning[] = [];
    const handler = serveStatic({ root, onWarning: (warning) => warnings.push(warning) });
    const server = createServer(toNodeListener(handler));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
      const route = await page.evaluate(async () => {
        const { loadRoute } = window as unknown as { loadRoute?: (name: string) => Promise<void> };
        if (loadRoute === undefined) return 'no loadRoute: the entry chunk did not run';
        return loadRoute('orders').then(
          () => 'loaded',
          (error: Error) => `rejected: ${error.message}`,
        );
      });
      const ran = await page.evaluate(() => ({ ...document.body.dataset }) as Record<string, string>);
      const color = await page.evaluate(() => getComputedStyle(document.body).color);
      return { ran, route, color, errors, warnings };
    } finally {
      await page.close();
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wirepack-lazy-sri-'));
    ({ dist } = await buildFixtureApp('lazy-app', work));
    browser = await chromium.launchPersistentContext(join(work, 'profile'), CHROMIUM_LAUNCH_OPTIONS);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('runs every chunk of the untampered build, lazy ones included, with nothing logged', async () => {
    const seen = await visit(dist);
    expect(seen.route).toBe('loaded');
    expect(seen.ran).toEqual({
      main: 'main-ready',
      orders: 'orders-ready',
      table: 'table-ready',
    });
    expect(seen.color).toBe('rgb(1, 2, 3)');
    expect(seen.errors).toEqual([]);
    expect(seen.warnings).toEqual([]);
  });

  it('blocks a lazily imported route chunk that was tampered with after the build', async () => {
    const file = await asset(/^orders-.*\.js$/);
    const seen = await visit(await tampered(file, 'orders-ready', 'orders-OWNED'));
    expect(seen.ran.main).toBe('main-ready');
    expect(seen.ran.orders).toBeUndefined();
    expect(seen.route).toMatch(/^rejected: /);
    expect(seen.errors.join('\n')).toMatch(
      new RegExp(
        `integrity[^]*${file.slice('assets/'.length)}|${file.slice('assets/'.length)}[^]*integrity`,
        'i',
      ),
    );
  });

  it('blocks the shared chunk the preload helper fetches for a lazy route', async () => {
    const file = await asset(/^table-.*\.js$/);
    const seen = await visit(await tampered(file, 'table-ready', 'table-OWNED'));
    expect(seen.ran.main).toBe('main-ready');
    expect(seen.ran.table).toBeUndefined();
    // The route imports the shared chunk statically: a blocked dependency keeps it from running too.
    expect(seen.ran.orders).toBeUndefined();
    expect(seen.route).toMatch(/^rejected: /);
    expect(seen.errors.join('\n')).toMatch(/integrity/i);
  });

  it('blocks the eagerly loaded entry chunk and stylesheet when tampered with', async () => {
    const entry = await asset(/^index-.*\.js$/);
    const script = await visit(await tampered(entry, 'main-ready', 'main-OWNED'));
    expect(script.ran).toEqual({});
    expect(script.route).toBe('no loadRoute: the entry chunk did not run');
    expect(script.errors.join('\n')).toMatch(/integrity/i);

    const stylesheet = await asset(/^index-.*\.css$/);
    const styled = await visit(await tampered(stylesheet, '#010203', '#090909'));
    expect(styled.ran.main).toBe('main-ready');
    expect(styled.color).not.toBe('rgb(9, 9, 9)');
    expect(styled.color).not.toBe('rgb(1, 2, 3)');
    expect(styled.errors.join('\n')).toMatch(/integrity/i);
  });
});
