// fixtures/dashboard as a user gets it: a real Vite build with @wirepack/vite-plugin served by
// createWirepackServer on 127.0.0.1 (SQLite API behind the batch endpoint) and loaded by Debian's
// Chromium through playwright-core. What the browser saw (encodings, SRI, rendered data, errors) and
// what the server saw (batch requests, SQL queries, aborted calls, /healthz) are both asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, type DashboardRig, hasChromium, startRig, waitForView } from './dashboard-setup.ts';

if (!hasChromium) {
  console.warn(
    "\n!!! [wirepack/test] SKIPPING the dashboard browser tests: Debian's chromium is missing.\n" +
      '!!! Install it (scripts/bootstrap.mjs does it in CI) or set WIREPACK_CHROMIUM.\n',
  );
}

describe.skipIf(!hasChromium)('fixtures/dashboard in Chromium', () => {
  let rig: DashboardRig;
  const health: number[] = [];
  let unhealthy = ''; // the last non-200 answer's body, for the assertion's message
  let poller: ReturnType<typeof setInterval> | undefined;

  beforeAll(async () => {
    rig = await startRig();
    // /healthz polled through every test (every 250 ms, until afterAll): it must stay green.
    const poll = async (): Promise<void> => {
      const response = await fetch(`${rig.server.url}/healthz`).catch(() => undefined);
      health.push(response?.status ?? 0);
      const body = await response?.text();
      if (response?.status !== 200) unhealthy = body ?? 'no answer';
    };
    await poll();
    poller = setInterval(() => void poll(), 250);
  }, 120_000);

  afterAll(async () => {
    clearInterval(poller);
    await rig?.close();
  });

  it('loads the orders view with brotli and SRI, renders the right rows, in 2 batch requests and 8 SQL queries, with no console error', async () => {
    const page = await rig.browser.newPage();
    const errors = collectErrors(page);
    const encodings = new Map<string, string | undefined>();
    page.on('response', async (response) => {
      const path = new URL(response.url()).pathname;
      encodings.set(path, (await response.allHeaders())['content-encoding']);
    });
    rig.api.resetStats();
    rig.server.resetCounts();
    await page.goto(`${rig.server.url}/orders?activityMs=0`);
    await waitForView(page, 'orders');
    await page.waitForSelector('.feed[data-loaded]');

    // Brotli: the document and every script, stylesheet and font came as the build's .br siblings.
    const assets = [...encodings.keys()].filter((path) => /\.(js|css|ttf)$/.test(path));
    expect(assets.some((path) => path.endsWith('.ttf'))).toBe(true);
    expect(assets.length).toBeGreaterThanOrEqual(5); // entry, css, client chunk, view chunk, font
    for (const path of [...assets, '/orders']) expect([path, encodings.get(path)]).toEqual([path, 'br']);
    // SRI: the HTML's script and stylesheet tags carry sha384 integrity.
    const integrity = await page.evaluate(() =>
      [...document.querySelectorAll('script[src], link[rel="stylesheet"]')].map(
        (element) => element.getAttribute('integrity') ?? '',
      ),
    );
    expect(integrity.length).toBeGreaterThanOrEqual(2);
    for (const value of integrity) expect(value).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);

    // What the server saw: 46 calls (orders, 4 KPIs, the feed; then 20 customers and 20 products) as
    // 2 batch requests, no plain API request, and 8 SQL queries (the 40 lookups are one query per table).
    const counts = rig.server.counts();
    const queries = rig.api.stats().queries; // before the test's own queries below
    expect({ batches: counts.batches, api: counts.api }).toEqual({ batches: 2, api: 0 });
    expect(queries).toBe(8);

    // The right data: the table is the 20 latest orders with their customer's and product's names.
    const db = rig.api.db;
    const orders = db.recentOrders(20);
    const customers = db.customers(orders.map((order) => order.customerId));
    const products = db.products(orders.map((order) => order.productId));
    const rows = await page.$$eval('#view table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows.map((row) => [row[0], row[2], row[3], row[4]])).toEqual(
      orders.map((order, index) => [
        `#${order.id}`,
        customers[index]?.name,
        products[index]?.name,
        String(order.quantity),
      ]),
    );
    const kpiOrders = await page.textContent('[data-kpi="orders"] strong');
    expect(kpiOrders?.replace(/\D/g, '')).toBe(String(db.kpi('orders')));

    expect(errors).toEqual([]);
    await page.close();
  });

  it('with ?batch=off makes the same calls as plain requests: one HTTP request and one SQL query per call', async () => {
    const page = await rig.browser.newPage();
    const errors = collectErrors(page);
    rig.api.resetStats();
    rig.server.resetCounts();
    await page.goto(`${rig.server.url}/orders?batch=off&activityMs=0`);
    await waitForView(page, 'orders');
    await page.waitForSelector('.feed[data-loaded]');
    const counts = rig.server.counts();
    expect({ batches: counts.batches, api: counts.api }).toEqual({ batches: 0, api: 46 });
    expect(rig.api.stats().queries).toBe(46);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("navigating away cancels the view's in-flight call on the server, and every view renders without error", async () => {
    const page = await rig.browser.newPage();
    const errors = collectErrors(page);
    rig.api.resetStats();
    rig.server.resetCounts();
    await page.goto(`${rig.server.url}/orders?activityMs=8000`);
    await waitForView(page, 'orders');
    expect(rig.api.stats().started).toHaveLength(1);
    expect(rig.api.stats().aborted).toEqual([]);
    await page.click('a[href="/customers"]');
    await waitForView(page, 'customers');
    // The feed's call was cancelled: the client sent a cancel message and the API's request.signal aborted.
    await expect.poll(() => rig.api.stats().aborted).toEqual(rig.api.stats().started);
    expect(rig.server.counts().cancels).toBeGreaterThanOrEqual(1);
    expect(await page.$$eval('#view tbody tr', (trs) => trs.length)).toBe(24);
    await page.click('a[href="/products"]');
    await waitForView(page, 'products');
    expect(await page.$$eval('#view tbody tr', (trs) => trs.length)).toBe(24);
    await page.goBack();
    await waitForView(page, 'customers');
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const [kind, pattern] of [
    ['entry script', /\/assets\/index-[\w-]+\.js$/],
    ['stylesheet', /\/assets\/index-[\w-]+\.css$/],
  ] as const) {
    it(`blocks a tampered ${kind} (SRI): the browser refuses it and says why`, async () => {
      const page = await rig.browser.newPage();
      const errors = collectErrors(page);
      const tampered: string[] = [];
      // A compromised CDN or proxy: the bytes change in transit, the HTML's integrity does not.
      await page.route(pattern, async (route) => {
        const response = await route.fetch();
        const headers = { ...response.headers() };
        delete headers['content-encoding'];
        delete headers['content-length'];
        tampered.push(new URL(route.request().url()).pathname);
        const body = `${await response.text()}\n/* tampered */ ${kind === 'stylesheet' ? 'body{}' : 'window.tampered=1;'}`;
        await route.fulfill({ status: response.status(), headers, body });
      });
      await page.goto(`${rig.server.url}/orders`);
      await expect.poll(() => errors.some((error) => /integrity/i.test(error))).toBe(true);
      expect(tampered).toHaveLength(1);
      if (kind === 'entry script') {
        // The script never ran: no view, nothing of the tampered code.
        expect(await page.evaluate(() => (window as { tampered?: number }).tampered)).toBeUndefined();
        expect(await page.evaluate(() => document.querySelector('#view')?.childElementCount)).toBe(0);
      } else {
        // The stylesheet was not applied (the header is a flex row only with it).
        await waitForView(page, 'orders');
        expect(await page.evaluate(() => getComputedStyle(document.querySelector('.top')!).display)).toBe(
          'block',
        );
      }
      await page.close();
    });
  }

  it('/healthz stayed green through the tests', () => {
    expect(health.length).toBeGreaterThan(1);
    expect(
      health.filter((status) => status !== 200),
      unhealthy,
    ).toEqual([]);
  });
});
