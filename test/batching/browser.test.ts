// @wirepack/client in a real browser: Debian's Chromium (never a downloaded one) driven by
// playwright-core loads a page bundled with esbuild and makes batched calls against the real
// @wirepack/server + REST fixture on 127.0.0.1, same origin as the page.

import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { BINARY_BODY, JSON_BODY } from '@wirepack/fixture-rest-api';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_LAUNCH_OPTIONS, hasChromium } from '../../scripts/chromium.ts';
import { type Served, serve } from './serve.ts';

if (!hasChromium) {
  console.warn(
    `\n!!! [wirepack/test] SKIPPING the @wirepack/client browser test: ${CHROMIUM} is missing.\n` +
      "!!! Install Debian's chromium (scripts/bootstrap.mjs does it in CI) or set WIREPACK_CHROMIUM.\n",
  );
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>wirepack</title>
<script type="module" src="/assets/page.js"></script></head><body></body></html>`;

const ENTRY = `
import { createBatchFetch } from '@wirepack/client';
globalThis.createBatchFetch = createBatchFetch;
// Brotli is opt-in: an app that wants it passes a loader (a lazily loaded chunk in this bundle).
globalThis.loadBrotli = async () => (await import('brotli-wasm')).default;
globalThis.pageReady = true;
`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

describe.skipIf(!hasChromium)('@wirepack/client in Chromium', () => {
  let served: Served;
  let outdir: string;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'wirepack-browser-'));
    profile = await mkdtemp(join(tmpdir(), 'wirepack-chromium-profile-'));
    await build({
      stdin: { contents: ENTRY, resolveDir: import.meta.dirname, loader: 'js' },
      bundle: true,
      splitting: true, // brotli-wasm stays a lazily loaded chunk
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@wirepack/source'],
      // brotli-wasm is the client's (optional peer, dev) dependency, not the repository root's.
      nodePaths: [join(import.meta.dirname, '../../packages/client/node_modules')],
      entryNames: 'page',
      outdir,
      logLevel: 'warning',
    });
    // brotli-wasm's web build fetches its .wasm from beside its own module
    // (`new URL('brotli_wasm_bg.wasm', import.meta.url)`); Vite copies such assets itself, esbuild does not.
    const brotliRoot = dirname(
      createRequire(import.meta.resolve('@wirepack/client/package.json')).resolve('brotli-wasm'),
    );
    await copyFile(join(brotliRoot, 'pkg.web/brotli_wasm_bg.wasm'), join(outdir, 'brotli_wasm_bg.wasm'));
    served = await serve({}, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/')
        return new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
      if (!path.startsWith('/assets/') || path.includes('..')) return undefined;
      const file = join(outdir, path.slice('/assets/'.length));
      const body = await readFile(file).catch(() => undefined);
      if (body === undefined) return new Response('not found', { status: 404 });
      return new Response(body, {
        headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' },
      });
    });
    browser = await chromium.launchPersistentContext(profile, CHROMIUM_LAUNCH_OPTIONS);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await rm(outdir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  });

  it('batches JSON and binary calls into one request and aborts one call, in the page', async () => {
    const page = await browser.newPage();
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
    served.api.resetStats();
    const before = served.batches();
    const result = await page.evaluate(async () => {
      type Create = (options?: object) => typeof fetch;
      const api = (globalThis as unknown as { createBatchFetch: Create }).createBatchFetch(); // default: '/__wirepack' on the page's origin
      const controller = new AbortController();
      const aborted = api('/api/hang?key=browser', { signal: controller.signal }).then(
        () => 'resolved',
        (error: DOMException) => `${error.name}`,
      );
      const [json, binary, text, missing, redirect] = await Promise.all([
        api('/api/json').then(async (res) => {
          const copy = res.clone();
          const body = await res.json();
          return {
            status: res.status,
            url: res.url,
            type: res.type,
            bodyUsed: res.bodyUsed,
            body,
            copyText: await copy.text(),
            again: await res.text().then(
              () => 'read twice',
              (error: Error) => error.name,
            ),
          };
        }),
        api('/api/binary').then(async (res) => Array.from(new Uint8Array(await res.arrayBuffer()))),
        api('/api/text').then((res) => res.text()),
        api('/api/nope').then((res) => res.status),
        api('/api/redirect').then((res) => ({
          redirected: res.redirected,
          url: res.url,
          status: res.status,
        })),
      ]);
      controller.abort();
      return { json, binary, text, missing, redirect, aborted: await aborted, origin: location.origin };
    });
    expect(result.json).toEqual({
      status: 200,
      url: `${served.origin}/api/json`,
      type: 'basic',
      bodyUsed: true,
      body: JSON_BODY,
      copyText: JSON.stringify(JSON_BODY),
      again: 'TypeError',
    });
    expect(result.redirect).toEqual({ redirected: true, url: `${served.origin}/api/json`, status: 200 });
    expect(result.binary).toEqual(Array.from(BINARY_BODY));
    expect(result.text).toBe('hello from the fixture\n');
    expect(result.missing).toBe(404);
    expect(result.aborted).toBe('AbortError');
    // One batch, plus one for the redirect's follow-up unless dedupe shared the in-flight /api/json.
    expect(served.batches() - before).toBeGreaterThanOrEqual(1);
    expect(served.batches() - before).toBeLessThanOrEqual(2);
    // The cancel message reached the server and the fixture saw its request's signal abort.
    await expect.poll(() => served.api.stats().aborted).toEqual(['browser']);
    await page.close();
  });

  it('gzips a large batch body with CompressionStream, and the server reads it', async () => {
    const page = await browser.newPage();
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
    const encodings = served.encodings.length;
    const body = JSON.stringify({
      rows: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `row ${i}` })),
    });
    const echoed = await page.evaluate(async (text) => {
      type Create = (options?: object) => typeof fetch;
      const api = (globalThis as unknown as { createBatchFetch: Create }).createBatchFetch({
        compressRequests: 'gzip',
        fetch: window.fetch, // a native fetch passed as an option must not be called as a method
      });
      const res = await api('/api/echo', {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'application/json' },
      });
      return ((await res.json()) as { body: string }).body;
    }, body);
    expect(echoed).toBe(body);
    expect(served.encodings.slice(encodings)).toEqual(['gzip']);
    await page.close();
  });

  it("'auto' with loadBrotli sends the first batch as is, then gzip, then brotli once brotli-wasm has loaded", async () => {
    const page = await browser.newPage();
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
    const encodings = served.encodings.length;
    const body = 'auto '.repeat(4000); // past compressMinBytes
    // One client for the whole page, as an app has: what it learns from one batch serves the next.
    const send = () =>
      page.evaluate(async (text) => {
        type Create = (options?: object) => typeof fetch;
        const scope = globalThis as unknown as {
          createBatchFetch: Create;
          autoApi?: typeof fetch;
          loadBrotli: unknown;
        };
        scope.autoApi ??= scope.createBatchFetch({ loadBrotli: scope.loadBrotli });
        const res = await scope.autoApi('/api/echo', { method: 'POST', body: text });
        return ((await res.json()) as { body: string }).body;
      }, body);
    expect(await send()).toBe(body);
    expect(served.encodings.slice(encodings)).toEqual([null]); // nothing advertised yet
    expect(await send()).toBe(body);
    expect(served.encodings.slice(encodings)).toEqual([null, 'gzip']); // brotli-wasm starts loading now
    // The page read `Accept-Encoding: gzip, deflate, br` off the batch responses; brotli follows once loaded.
    await expect
      .poll(async () => {
        expect(await send()).toBe(body);
        return served.encodings.at(-1);
      })
      .toBe('br');
    await page.close();
  });

  it('brotli-compresses with brotli-wasm, loaded lazily as its own chunk, and the server reads it', async () => {
    const page = await browser.newPage();
    const loaded: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('brotli')) loaded.push(new URL(request.url()).pathname);
    });
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
    expect(loaded).toEqual([]); // nothing of brotli-wasm loads with the page
    const encodings = served.encodings.length;
    const body = 'brotli '.repeat(2000);
    const echoed = await page.evaluate(async (text) => {
      type Create = (options?: object) => typeof fetch;
      const scope = globalThis as unknown as { createBatchFetch: Create; loadBrotli: unknown };
      const api = scope.createBatchFetch({ compressRequests: 'br', loadBrotli: scope.loadBrotli });
      const res = await api('/api/echo', { method: 'POST', body: text });
      return ((await res.json()) as { body: string }).body;
    }, body);
    expect(echoed).toBe(body);
    expect(served.encodings.slice(encodings)).toEqual(['br']);
    expect(loaded.some((path) => path.endsWith('.wasm'))).toBe(true);
    await page.close();
  });
});
