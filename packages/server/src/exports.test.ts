import { describe, expect, it } from 'vitest';

// The public surface of each entry point: a change here is a change for users, made on purpose.
describe('export lists', () => {
  it('@wirepack/server', async () => {
    const entry = await import('@wirepack/server');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "CODING_PREFERENCE",
        "CallResponse",
        "CallRoutes",
        "DEFAULT_ADMISSION_OPTIONS",
        "DEFAULT_INHERITED_HEADERS",
        "DEFAULT_MEMORY_STORE_OPTIONS",
        "DEFAULT_MSGPACK_HANDLER_OPTIONS",
        "DEFAULT_RESPONSE_CACHE_OPTIONS",
        "DEFAULT_SERVER_LIMITS",
        "callResponse",
        "compose",
        "createAdmissionController",
        "createBatchHandler",
        "createCallRoutes",
        "createMemoryStore",
        "createMsgpackHandler",
        "createResponseCache",
        "getBatchContext",
        "getSubRequestInfo",
        "isPassResponse",
        "negotiateEncoding",
        "passResponse",
        "priorityFromHeader",
        "routesFetch",
        "shedResponse",
        "withAdmission",
      ]
    `);
  });

  it('@wirepack/server/node', async () => {
    const entry = await import('@wirepack/server/node');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_NODE_COMPRESSION",
        "DEFAULT_REDIS_STORE_OPTIONS",
        "DEFAULT_SERVE_STATIC_OPTIONS",
        "createExpressMiddleware",
        "createRedisStore",
        "injectNode",
        "nodeCompression",
        "serveStatic",
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

  it('@wirepack/server/production', async () => {
    const entry = await import('@wirepack/server/production');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_WIREPACK_SERVER_OPTIONS",
        "createWirepackServer",
      ]
    `);
  });
});
