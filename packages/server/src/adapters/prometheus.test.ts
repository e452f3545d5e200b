import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_MEDIA_TYPE } from '@wirepack/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchHandler } from '../index.ts';
import { batchBody, collectFrames } from '../test-support/batch.ts';
import { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './metrics.ts';
import { toNodeListener } from './node.ts';

/** A sample line of the Prometheus text format: name, labels, value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the text exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    const [, name, labelText, value] = match as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = (raw as string).replace(/\\(.)/g, '$1');
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const servers: Server[] = [];
const metricsList: ServerMetrics[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const metrics of metricsList.splice(0)) metrics.close();
});

/** A clock tests move by hand, and a sampler whose CPU and memory they set. */
function fakeResources() {
  const state = { now: 1_000, cpuSeconds: 0, rssBytes: 100, limitBytes: 1_000, cores: 2 };
  return {
    state,
    now: () => state.now,
    sample: () => ({
      cpuSeconds: state.cpuSeconds,
      cpuCores: state.cores,
      rssBytes: state.rssBytes,
      memoryLimitBytes: state.limitBytes,
    }),
  };
}

/** The app: /api/slow moves the fake clock (a slow request without a sleep), /api/fail throws, /api/boom is a 500. */
function makeApp(resources: ReturnType<typeof fakeResources>) {
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/api/slow') resources.state.now += 300;
    if (pathname === '/api/fast') resources.state.now += 5;
    if (pathname === '/api/fail') throw new Error('app failure');
    if (pathname === '/api/boom') return new Response('no', { status: 500 });
    if (pathname.startsWith('/api/')) return Response.json({ ok: true, path: pathname });
    return new Response('not found', { status: 404 });
  };
}

async function start(options: ServerMetricsOptions = {}) {
  const resources = fakeResources();
  const app = makeApp(resources);
  const metrics = createServerMetrics({
    defaultMetrics: false,
    routeClass: (_, path) => (path.startsWith('/api/') ? 'api' : 'static'),
    ...options,
    health: { now: resources.now, sample: resources.sample, minRequests: 5, ...options.health },
  });
  metricsList.push(metrics);
  const batch = createBatchHandler({ fetch: app, onError: () => {} });
  const server = createServer(toNodeListener(metrics.instrument(batch), { onError: () => {} }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parse(await response.text());
  };
  return { base, metrics, resources, scrape };
}

async function sendBatch(base: string, paths: string[]): Promise<void> {
  const response = await fetch(`${base}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': 'identity' },
    body: batchBody(paths.map((path, i) => ({ id: i + 1, path }))) as Uint8Array<ArrayBuffer>,
  });
  expect(response.status).toBe(200);
  await collectFrames(response);
}

describe('the metrics endpoint over HTTP', () => {
  it('counts every plain request by method, route class and status class', async () => {
    const { base, scrape } = await start();
    for (let i = 0; i < 7; i++) expect((await fetch(`${base}/api/users/${i}`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/missing/${i}`)).status).toBe(404);
    expect((await fetch(`${base}/api/x`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await fetch(`${base}/api/fail`)).status).toBe(500);
    expect((await fetch(`${base}/api/boom`)).status).toBe(500);
    const samples = await scrape();
    const requests = 'wirepack_http_requests_total';
    expect(value(samples, requests, { method: 'GET', route: 'api', status_class: '2xx' })).toBe(7);
    expect(value(samples, requests, { method: 'GET', route: 'static', status_class: '4xx' })).toBe(3);
    expect(value(samples, requests, { method: 'POST', route: 'api', status_class: '2xx' })).toBe(1);
    expect(value(samples, requests, { route: 'api', status_class: '5xx' })).toBe(2);
    expect(value(samples, requests)).toBe(13); // the scrape itself is not counted
    expect(value(samples, 'wirepack_http_request_duration_seconds_count')).toBe(13);
    // No raw path became a label.
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes('/users/')))).toBe(false);
  });

  it('times plain requests into the latency histogram around the 200 ms target', async () => {
    const { base, scrape } = await start();
    for (let i = 0; i < 4; i++) await fetch(`${base}/api/fast`);
    await fetch(`${base}/api/slow`);
    const samples = await scrape();
    const name = 'wirepack_http_request_duration_seconds_bucket';
    expect(value(samples, name, { route: 'api', le: '0.005' })).toBe(4);
    expect(value(samples, name, { route: 'api', le: '0.2' })).toBe(4);
    expect(value(samples, name, { route: 'api', le: '0.3' })).toBe(5);
    expect(value(samples, 'wirepack_http_request_duration_seconds_sum')).toBeCloseTo(0.32, 6);
  });

  it('folds route classes past the limit, and unreadable ones, into "other"', async () => {
    const { base, scrape } = await start({ routeClass: (_, path) => path.slice(1), maxRouteClasses: 2 });
    for (const path of ['a', 'b', 'c', 'd', 'has space', 'batch']) await fetch(`${base}/${path}`);
    const samples = await scrape();
    const routes = new Set(
      samples.filter((s) => s.name === 'wirepack_http_requests_total').map((s) => s.labels.route),
    );
    expect([...routes].sort()).toEqual(['a', 'b', 'other']);
    expect(value(samples, 'wirepack_http_requests_total', { route: 'other' })).toBe(4);
  });

  it('reports batches, calls per batch, call outcomes and call latency from the batch handler', async () => {
    const { base, scrape } = await start();
    await sendBatch(base, ['/api/a', '/api/b', '/api/boom', '/missing']);
    await sendBatch(base, ['/api/c', '/api/fail']);
    // A refused batch: wrong media type.
    const refused = await fetch(`${base}/__wirepack`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(refused.status).toBe(415);
    const samples = await scrape();
    expect(value(samples, 'wirepack_batches_total')).toBe(2);
    expect(value(samples, 'wirepack_batch_calls_count')).toBe(2);
    expect(value(samples, 'wirepack_batch_calls_sum')).toBe(6);
    expect(value(samples, 'wirepack_batch_calls_bucket', { le: '2' })).toBe(1);
    expect(value(samples, 'wirepack_batch_calls_bucket', { le: '5' })).toBe(2);
    expect(value(samples, 'wirepack_batch_calls_total', { status_class: '2xx' })).toBe(3);
    expect(value(samples, 'wirepack_batch_calls_total', { status_class: '4xx' })).toBe(1);
    expect(value(samples, 'wirepack_batch_calls_total', { status_class: '5xx' })).toBe(2); // a 500 result, a throw
    expect(value(samples, 'wirepack_batch_call_duration_seconds_count')).toBe(6);
    expect(value(samples, 'wirepack_batch_request_bytes_count')).toBe(2);
    expect(value(samples, 'wirepack_batch_refused_total', { code: 'UNSUPPORTED_MEDIA_TYPE' })).toBe(1);
    expect(value(samples, 'wirepack_batch_response_bytes_total')).toBeGreaterThan(0);
    expect(value(samples, 'wirepack_batches_active')).toBe(0);
    expect(value(samples, 'wirepack_batch_calls_pending')).toBe(0);
    // The batch requests themselves: two streams and a refusal, none in the plain latency histogram.
    expect(value(samples, 'wirepack_http_requests_total', { route: 'batch', status_class: '2xx' })).toBe(2);
    expect(value(samples, 'wirepack_http_requests_total', { route: 'batch', status_class: '4xx' })).toBe(1);
    expect(value(samples, 'wirepack_http_request_duration_seconds_count', { route: 'batch' })).toBe(0);
  });

  it('exposes the hooks of the cache, admission and compression layers', async () => {
    const { base, metrics, scrape } = await start();
    metrics.recordCacheHit();
    metrics.recordCacheHit();
    metrics.recordCacheMiss();
    metrics.recordShed('low');
    metrics.recordShed('high');
    metrics.recordShed('nonsense' as 'low');
    metrics.recordCompression('br', 10_000, 2_500);
    metrics.recordCompression('gzip', 1_000, 1_100); // grew: nothing saved, nothing negative
    metrics.recordCompression('x-made-up', 100, 50);
    metrics.recordCompression('br', Number.NaN, 5); // ignored
    let queued = 7;
    metrics.queueLength(() => queued);
    const stop = metrics.queueLength(() => 3);
    let samples = await scrape();
    expect(value(samples, 'wirepack_cache_requests_total', { result: 'hit' })).toBe(2);
    expect(value(samples, 'wirepack_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(value(samples, 'wirepack_shed_total', { priority: 'low' })).toBe(1);
    expect(value(samples, 'wirepack_shed_total', { priority: 'auto' })).toBe(1);
    expect(value(samples, 'wirepack_compression_saved_bytes_total', { encoding: 'br' })).toBe(7_500);
    expect(value(samples, 'wirepack_compression_saved_bytes_total', { encoding: 'gzip' })).toBe(0);
    expect(value(samples, 'wirepack_compression_out_bytes_total', { encoding: 'gzip' })).toBe(1_100);
    expect(value(samples, 'wirepack_compression_in_bytes_total', { encoding: 'other' })).toBe(100);
    expect(value(samples, 'wirepack_queue_length')).toBe(10);
    stop();
    queued = 2;
    samples = await scrape();
    expect(value(samples, 'wirepack_queue_length')).toBe(2);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('keeps two servers in one process apart, default metrics included', async () => {
    const one = await start({ defaultMetrics: true });
    const two = await start({ defaultMetrics: true });
    await fetch(`${one.base}/api/a`);
    await fetch(`${one.base}/api/b`);
    await fetch(`${two.base}/api/c`);
    const [first, second] = [await one.scrape(), await two.scrape()];
    expect(value(first, 'wirepack_http_requests_total')).toBe(2);
    expect(value(second, 'wirepack_http_requests_total')).toBe(1);
    for (const samples of [first, second]) {
      expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
      expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
      expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
      expect(value(samples, 'wirepack_process_cpu_cores')).toBe(2);
      expect(value(samples, 'wirepack_process_memory_limit_bytes')).toBe(1_000);
    }
  });

  it('answers only GET and HEAD on its paths, and can be moved or turned off', async () => {
    const { base } = await start({ path: '/internal/metrics', healthPath: false });
    expect((await fetch(`${base}/internal/metrics`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${base}/internal/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/metrics`)).status).toBe(404); // the app's answer now
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
    expect(() => createServerMetrics({ path: 'metrics' })).toThrow(TypeError);
    expect(() => createServerMetrics({ buckets: [0.1, 0.05] })).toThrow(TypeError);
    expect(() => createServerMetrics({ health: { thresholds: { cpu: 2 } } })).toThrow(TypeError);
  });
});

describe('the health endpoint', () => {
  async function health(base: string) {
    const response = await fetch(`${base}/healthz`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return { status: response.status, body: await response.json() };
  }

  it('is 200 with every target met, and reports each value against its threshold', async () => {
    const { base, resources } = await start();
    for (let i = 0; i < 10; i++) await fetch(`${base}/api/fast`);
    resources.state.now += 1_000;
    resources.state.cpuSeconds += 0.2; // 0.2 s over 2 cores in 1.05 s: under 10%
    const { status, body } = await health(base);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.windowMs).toBe(60_000);
    expect(body.requests).toBe(10);
    expect(body.targets.p95Ms).toMatchObject({ met: true, threshold: 200 });
    expect(body.targets.p95Ms.value).toBeGreaterThanOrEqual(5);
    expect(body.targets.p95Ms.value).toBeLessThan(5.3);
    expect(body.targets.errorRate).toEqual({ met: true, value: 0, threshold: 0.01 });
    expect(body.targets.cpu.met).toBe(true);
    expect(body.targets.memory).toEqual({
      met: true,
      value: 0.1,
      threshold: 0.7,
      rssBytes: 100,
      limitBytes: 1_000,
    });
  });

  it('flips to 503 when p95 passes 200 ms, and back once the slow requests leave the window', async () => {
    const { base, resources, scrape } = await start();
    for (let i = 0; i < 18; i++) await fetch(`${base}/api/fast`);
    for (let i = 0; i < 2; i++) await fetch(`${base}/api/slow`); // 2 of 20: at the 95th percentile
    const missed = await health(base);
    expect(missed.status).toBe(503);
    expect(missed.body.status).toBe('degraded');
    expect(missed.body.targets.p95Ms.met).toBe(false);
    expect(missed.body.targets.p95Ms.value).toBeGreaterThan(200);
    expect(missed.body.targets.errorRate.met).toBe(true);
    expect(value(await scrape(), 'wirepack_health_target_met', { target: 'p95Ms' })).toBe(0);
    resources.state.now += 61_000; // the slow requests slide out of the minute
    for (let i = 0; i < 20; i++) await fetch(`${base}/api/fast`);
    const recovered = await health(base);
    expect(recovered.status).toBe(200);
    expect(recovered.body.requests).toBe(20);
    expect(value(await scrape(), 'wirepack_health_target_met', { target: 'p95Ms' })).toBe(1);
  });

  it('flips on an error rate of 1% or more, counting failed batched calls too', async () => {
    const { base, resources } = await start();
    for (let i = 0; i < 98; i++) await fetch(`${base}/api/ok`);
    expect((await health(base)).status).toBe(200);
    await sendBatch(base, ['/api/ok', '/api/fail']); // 1 failure in 100
    const missed = await health(base);
    expect(missed.status).toBe(503);
    expect(missed.body.requests).toBe(100);
    expect(missed.body.targets.errorRate).toEqual({ met: false, value: 0.01, threshold: 0.01 });
    resources.state.now += 61_000;
    expect((await health(base)).status).toBe(200);
  });

  it('flips on CPU over 60% of the cores over the window, and on memory over 70% of the limit', async () => {
    const { base, resources } = await start({ health: { windowMs: 10_000, slots: 10 } });
    resources.state.now += 10_000;
    resources.state.cpuSeconds += 14; // 14 CPU s in 10 s on 2 cores: 70%
    let report = await health(base);
    expect(report.status).toBe(503);
    expect(report.body.targets.cpu).toEqual({ met: false, value: 0.7, threshold: 0.6 });
    expect(report.body.targets.memory.met).toBe(true);
    resources.state.now += 10_000;
    resources.state.cpuSeconds += 2; // the next 10 s: 10%
    report = await health(base);
    expect(report.body.targets.cpu).toEqual({ met: true, value: 0.1, threshold: 0.6 });
    expect(report.status).toBe(200);
    resources.state.rssBytes = 700; // 70% is a miss: the target is "under 70%"
    report = await health(base);
    expect(report.status).toBe(503);
    expect(report.body.targets.memory).toMatchObject({ met: false, value: 0.7 });
    resources.state.rssBytes = 690;
    expect((await health(base)).status).toBe(200);
  });

  it('takes configured thresholds, and does not judge latency or errors on too few requests', async () => {
    const { base } = await start({ health: { thresholds: { p95Ms: 2 }, minRequests: 3 } });
    await fetch(`${base}/api/fail`);
    await fetch(`${base}/api/fast`);
    const few = await health(base);
    expect(few.status).toBe(200);
    expect(few.body.targets.errorRate).toMatchObject({ met: true, value: 0.5 });
    await fetch(`${base}/api/fast`);
    const judged = await health(base);
    expect(judged.status).toBe(503);
    expect(judged.body.targets.p95Ms).toMatchObject({ met: false, threshold: 2 });
    expect(judged.body.targets.errorRate.met).toBe(false);
  });
});
