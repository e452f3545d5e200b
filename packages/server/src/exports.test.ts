import { describe, expect, it } from 'vitest';

// The public surface of each entry point: a change here is a change for users, made on purpose.
describe('export lists', () => {
  it('@wirepack/server', async () => {
    const entry = await import('@wirepack/server');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "CODING_PREFERENCE",
        "DEFAULT_INHERITED_HEADERS",
        "DEFAULT_SERVER_LIMITS",
        "compose",
        "createBatchHandler",
        "getBatchContext",
        "getSubRequestInfo",
        "isPassResponse",
        "negotiateEncoding",
        "passResponse",
      ]
    `);
  });

  it('@wirepack/server/node', async () => {
    const entry = await import('@wirepack/server/node');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "SERVE_STATIC_DEFAULTS",
        "createExpressMiddleware",
        "injectNode",
        "nodeCompression",
        "serveStatic",
        "toNodeListener",
      ]
    `);
  });
});
