// Issue 13: a misspelt option (`limits.maxCall: 5` for `maxCalls`) was accepted and ignored, so the
// server ran with the default limit while its operator believed it had set one. Unknown keys, at the
// top level and in `limits` and `limits.decode`, now throw a TypeError naming the key and the valid ones.
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/create-batch-handler.ts';
import type { BatchHandlerOptions } from '../../src/options.ts';

const app = (): Response => new Response('ok');

function create(options: Record<string, unknown>): unknown {
  return createBatchHandler({ fetch: app, ...options } as BatchHandlerOptions);
}

describe('unknown option keys are refused', () => {
  it('in limits', () => {
    expect(() => create({ limits: { maxCall: 5 } })).toThrow(TypeError);
    expect(() => create({ limits: { maxCall: 5 } })).toThrow(
      /\[wirepack\/server\] unknown option `limits\.maxCall` \(known here: maxCalls, maxBodyBytes, .*decode\)/,
    );
  });

  it('in limits.decode', () => {
    expect(() => create({ limits: { decode: { maxDepht: 3 } } })).toThrow(
      /unknown option `limits\.decode\.maxDepht` \(known here: .*maxDepth/,
    );
  });

  it('at the top level, even with an undefined value', () => {
    expect(() => create({ endpiont: '/batch' })).toThrow(
      /unknown option `endpiont` \(known here: fetch, endpoint,/,
    );
    expect(() => create({ onErorr: undefined })).toThrow(/unknown option `onErorr`/);
  });

  it('a non-object limits is refused, not read as empty', () => {
    expect(() => create({ limits: 5 })).toThrow(/options\.limits must be an object/);
  });

  it('every documented key is still accepted', () => {
    const handler = createBatchHandler({
      fetch: app,
      endpoint: '/b',
      inheritHeaders: ['x-tenant'],
      limits: { maxCalls: 5, decode: { maxDepth: 8 } },
      createContext: () => ({}),
      onError: () => {},
      onBatch: () => {},
      decoders: {},
      jsonAsValues: false,
      exposeSetCookie: false,
      priorityOf: () => 'auto',
    });
    expect(handler.endpoint).toBe('/b');
  });

  it('the removed encoders option keeps its own explanation', () => {
    expect(() => create({ encoders: {} })).toThrow(/options\.encoders was removed/);
  });
});
