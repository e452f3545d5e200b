import type { Registry } from 'prom-client';
import type { HealthReport } from '../health.ts';

// Both endpoints are read by machines on every scrape or probe: never cached by anything in between.
const NO_STORE = 'no-store';

/** The registry in the Prometheus text exposition format (version 0.0.4). */
export async function metricsResponse(registry: Registry, method: string): Promise<Response> {
  const text = await registry.metrics();
  return new Response(method === 'HEAD' ? null : text, {
    status: 200,
    headers: { 'content-type': registry.contentType, 'cache-control': NO_STORE },
  });
}

/**
 * The health report as JSON: 200 when every target is met, 503 when one is missed, so a load balancer's
 * health check and a readiness probe can read the status alone.
 */
export function healthResponse(report: HealthReport, method: string): Response {
  return new Response(method === 'HEAD' ? null : JSON.stringify(report), {
    status: report.status === 'ok' ? 200 : 503,
    headers: { 'content-type': 'application/json', 'cache-control': NO_STORE },
  });
}

/** The metrics and health endpoints are read-only. */
export function notAllowed(): Response {
  return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
}
