// Part 3, the page: headless Chromium (Debian's, through playwright-core) loads the dashboard's orders view
// from the wirepack server, in a fresh browser context each time (empty cache), and the demo measures
// where the bytes and requests really are: on the server's sockets and in its API. Three peers, measured in
// the same run: the same server without the build's .br/.gz siblings (its compression stage compresses on
// the fly), the same server with no content coding at all (Accept-Encoding removed on arrival), and the
// same page with batching off (?batch=off: plain fetch). Then a navigation away from a view whose live feed is
// still loading, timed until the server sees that call's request.signal abort.
import type { DashboardApi, DashboardCounts, DashboardServer } from '@wirepack/fixture-dashboard';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_LAUNCH_OPTIONS, hasChromium } from '../chromium.ts';
import { bytes, check, line, ms, table, times } from './print.ts';

const ROUNDS = 3;

/** One measured page load. */
interface Load {
  readonly counts: DashboardCounts;
  readonly queries: number;
  /** From navigation start to the view's `view-data:orders` mark. */
  readonly dataMs: number;
  readonly errors: readonly string[];
}

/** The figures the summary repeats. */
export interface BrowserFigures {
  readonly bytesBr: number;
  readonly bytesOnTheFly: number;
  readonly bytesIdentity: number;
  readonly requestsBatched: number;
  readonly requestsPlain: number;
  readonly queriesBatched: number;
  readonly queriesPlain: number;
  readonly dataMs: number;
}

/** The servers part 3 loads the page from: the demo's, and its two peers for bytes. */
export interface BrowserPartServers {
  readonly served: DashboardServer;
  /** The same build without its siblings in the manifest: compressed on the fly. */
  readonly onTheFly: DashboardServer;
  /** No content coding at all. */
  readonly identity: DashboardServer;
}

export async function browserPart(
  api: DashboardApi,
  { served, onTheFly, identity }: BrowserPartServers,
): Promise<BrowserFigures | undefined> {
  if (!hasChromium) {
    line(`no Chromium at ${CHROMIUM}: the browser figures are skipped (the dashboard is still served).`);
    line(
      "to get them: install Debian's chromium (`sudo apt-get install chromium`, as `npm test` does in CI)",
    );
    line('or point WIREPACK_CHROMIUM at a Chromium or Chrome binary, then run `npm run demo` again.');
    return undefined;
  }
  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    line(`headless Chromium (${browser.version()}) loads ${served.url}/orders in a fresh context each time`);
    line(`(empty cache); ${ROUNDS} rounds of four loads, interleaved in turn, after one warm-up load:`);
    await load(browser, api, served, '');
    const runs = {
      wirepack: [] as Load[],
      onTheFly: [] as Load[],
      identity: [] as Load[],
      plain: [] as Load[],
    };
    const order = [
      () => load(browser, api, served, '').then((entry) => runs.wirepack.push(entry)),
      () => load(browser, api, onTheFly, '').then((entry) => runs.onTheFly.push(entry)),
      () => load(browser, api, identity, '').then((entry) => runs.identity.push(entry)),
      () => load(browser, api, served, '&batch=off').then((entry) => runs.plain.push(entry)),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with a different configuration, so none always goes first.
      for (let index = 0; index < order.length; index++) await order[(round + index) % order.length]?.();
    }
    const last = (list: Load[]): Load => list[list.length - 1] as Load;
    const median = (list: Load[]): number => {
      const sorted = list.map((entry) => entry.dataMs).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] as number;
    };
    const [wirepack, fly, noCoding, plain] = [
      last(runs.wirepack),
      last(runs.onTheFly),
      last(runs.identity),
      last(runs.plain),
    ];
    const requests = (entry: Load): string =>
      entry.counts.batches > 0
        ? `${entry.counts.batches} batch + ${entry.counts.other} page`
        : `${entry.counts.api} API + ${entry.counts.other} page`;
    line();
    table([
      ['', 'HTTP requests', 'bytes down', 'bytes up', 'SQL queries', "view's data at"],
      ...(
        [
          ['wirepack: br siblings + batched', wirepack, runs.wirepack],
          ['peer: compressed on the fly', fly, runs.onTheFly],
          ['peer: no content coding', noCoding, runs.identity],
          ['peer: batching off (plain fetch)', plain, runs.plain],
        ] as const
      ).map(([label, entry, all]) => [
        label,
        requests(entry),
        bytes(entry.counts.bytesOut),
        bytes(entry.counts.bytesIn),
        String(entry.queries),
        ms(median(all)),
      ]),
    ]);
    line();
    line(
      `bytes: ${bytes(wirepack.counts.bytesOut)} with precompression vs ${bytes(fly.counts.bytesOut)} compressed ` +
        `on the fly (brotli 4) and ${bytes(noCoding.counts.bytesOut)} without any coding ` +
        `(${times(fly.counts.bytesOut, wirepack.counts.bytesOut)} and ` +
        `${times(noCoding.counts.bytesOut, wirepack.counts.bytesOut)} fewer; the page, its scripts, stylesheet, ` +
        'font and image and the API answers, HTTP headers included, counted on the server sockets)',
    );
    const batchedRequests = wirepack.counts.batches + wirepack.counts.api;
    line(
      `API: ${plain.counts.api} calls in ${batchedRequests} HTTP requests batched vs ${plain.counts.api} with plain ` +
        `fetch; SQL queries ${wirepack.queries} vs ${plain.queries} (the 40 lookups: one query per table)`,
    );
    line(
      `time to the view's data (median of ${ROUNDS}): ${ms(median(runs.wirepack))} wirepack, ` +
        `${ms(median(runs.onTheFly))} compressed on the fly, ${ms(median(runs.identity))} without content ` +
        `coding, ${ms(median(runs.plain))} without batching ` +
        '(on loopback, where bytes and round trips cost almost nothing)',
    );
    const cancel = await navigateAway(browser, api, served);
    line(
      `navigation away from /orders while its live feed loads: the server saw that call's request.signal ` +
        `abort ${ms(cancel.abortMs)} after the click (${cancel.cancels} cancel message)`,
    );
    const errors = [...runs.wirepack, ...runs.onTheFly, ...runs.identity, ...runs.plain].flatMap(
      (entry) => entry.errors,
    );
    line(`console errors in ${ROUNDS * 4} loads: ${errors.length}`);

    check(errors.length === 0, `no console error (got ${errors.join('; ')})`);
    check(wirepack.counts.bytesOut < noCoding.counts.bytesOut, 'fewer bytes with precompression than none');
    check(
      wirepack.counts.bytesOut < fly.counts.bytesOut,
      'fewer bytes precompressed than compressed on the fly',
    );
    check(batchedRequests < plain.counts.api, 'fewer HTTP requests batched');
    check(wirepack.queries < plain.queries, 'fewer SQL queries batched');
    return {
      bytesBr: wirepack.counts.bytesOut,
      bytesOnTheFly: fly.counts.bytesOut,
      bytesIdentity: noCoding.counts.bytesOut,
      requestsBatched: batchedRequests,
      requestsPlain: plain.counts.api,
      queriesBatched: wirepack.queries,
      queriesPlain: plain.queries,
      dataMs: median(runs.wirepack),
    };
  } finally {
    await browser.close();
  }
}

/** One page load of the orders view (its live feed answered at once), measured once the network is idle. */
async function load(
  browser: Browser,
  api: DashboardApi,
  server: DashboardServer,
  query: string,
): Promise<Load> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    server.resetCounts();
    api.resetStats();
    await page.goto(`${server.url}/orders?activityMs=0${query}`);
    // Either the view's data or the app's error message (then the demo fails saying what the page said).
    await page.waitForFunction(() => document.documentElement.dataset.ready !== undefined);
    const shown = await page.evaluate(() => ({
      ready: document.documentElement.dataset.ready,
      text: document.querySelector('#view')?.textContent ?? '',
    }));
    check(
      shown.ready === 'orders',
      `the orders view loaded (the page said: ${shown.text.slice(0, 200)}; console: ${errors.join('; ')})`,
    );
    await page.waitForSelector('.feed[data-loaded]');
    await page.waitForLoadState('networkidle');
    const dataMs = await page.evaluate(
      () => performance.getEntriesByName('view-data:orders')[0]?.startTime ?? -1,
    );
    check(dataMs >= 0, 'the page marked view-data:orders');
    return { counts: server.counts(), queries: api.stats().queries, dataMs, errors };
  } finally {
    await context.close();
  }
}

async function navigateAway(
  browser: Browser,
  api: DashboardApi,
  server: DashboardServer,
): Promise<{ abortMs: number; cancels: number }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/orders?activityMs=10000`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'orders');
    api.resetStats();
    server.resetCounts();
    const before = api.stats().aborted.length;
    const clicked = performance.now();
    await page.click('a[href="/customers"]');
    // Bounded: 5 s at most (the feed would answer after 10 s).
    while (api.stats().aborted.length === before && performance.now() - clicked < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const abortMs = performance.now() - clicked;
    check(api.stats().aborted.length > before, 'the navigation cancelled the live feed on the server');
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'customers');
    return { abortMs, cancels: server.counts().cancels };
  } finally {
    await context.close();
  }
}
