import { describe, expect, it } from 'vitest';

// The public surface of each entry point: a change here is a change for users, made on purpose.
describe('export lists', () => {
  it('@wirepack/server', async () => {
    const entry = await import('@wirepack/server');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_INHERITED_HEADERS",
        "DEFAULT_SERVER_LIMITS",
        "createBatchHandler",
        "getBatchContext",
        "getSubRequestInfo",
      ]
    `);
  });

  it('@wirepack/server/node', async () => {
    const entry = await import('@wirepack/server/node');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "createExpressMiddleware",
        "injectNode",
        "nodeCompression",
        "toNodeListener",
      ]
    `);
  });

  it('@wirepack/server/metrics', async () => {
    const entry = await import('@wirepack/server/metrics');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_HEALTH_THRESHOLDS",
        "DEFAULT_LATENCY_BUCKETS",
        "DEFAULT_SERVER_METRICS_OPTIONS",
        "createResourceSampler",
        "createServerMetrics",
        "readResourceLimits",
      ]
    `);
  });
});
