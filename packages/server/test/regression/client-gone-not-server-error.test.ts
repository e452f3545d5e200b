// Stop 15, found by the dashboard's browser tests: a plain request whose client went away while the app
// worked made the app throw (its fetch saw request.signal abort), and the metrics counted that as a
// 500, a failure on the server's side. One such request turned /healthz red (error-rate target), though
// the server did nothing wrong. A request whose own signal aborted is the client's doing: it counts as
// 499 (client closed request, as nginx logs it), in the 4xx class, and not as a server failure.
import { afterEach, expect, it } from 'vitest';
import { createServerMetrics, type ServerMetrics } from '../../src/adapters/metrics.ts';

const made: ServerMetrics[] = [];
afterEach(() => {
  for (const metrics of made.splice(0)) metrics.close();
});

it('a request whose client left counts as 499, not as a server error in /healthz', async () => {
  const metrics = createServerMetrics({ defaultMetrics: false, health: { minRequests: 1 } });
  made.push(metrics);
  const app = (request: Request): Promise<Response> =>
    new Promise((_resolve, reject) => {
      request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
    });
  const handler = metrics.instrument(app);
  const controller = new AbortController();
  const pending = handler(new Request('http://app.test/api/slow', { signal: controller.signal }));
  controller.abort();
  await expect(pending).rejects.toBeDefined();

  const report = metrics.health();
  expect(report.requests).toBe(1);
  expect(report.targets.errorRate.value).toBe(0);
  expect(report.targets.errorRate.met).toBe(true);
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/wirepack_http_requests_total\{[^}]*status_class="4xx"[^}]*\} 1/);
  expect(text).not.toMatch(/status_class="5xx"/);
});

it('an app that throws on its own still counts as a server error', async () => {
  const metrics = createServerMetrics({ defaultMetrics: false, health: { minRequests: 1 } });
  made.push(metrics);
  const handler = metrics.instrument(async () => {
    throw new Error('bug');
  });
  await expect(handler(new Request('http://app.test/api/bug'))).rejects.toThrow('bug');
  expect(metrics.health().targets.errorRate.value).toBe(1);
});
