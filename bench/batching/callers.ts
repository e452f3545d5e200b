// How each contender's client makes one call. Every caller returns the decoded JSON record, so
// the client process checks all contenders' answers the same way.
import { userPath } from './app.ts';
import type { ClientKind } from './messages.ts';
import type { WirepackClientOverrides } from './wirepack-client.ts';

/**
 * One call: fetch user `id` (waiting `delayMs` extra on the server). No `AbortSignal` is passed:
 * a page's plain calls rarely carry one, and one signal shared by 10,000 calls would add 10,000
 * abort listeners to every contender's cost. The client process bounds each run by a deadline.
 */
export type Caller = (id: number, delayMs: number) => Promise<unknown>;

/**
 * The URL limit given to tRPC's batch links in the variants that work at N = 1,000: 2,083
 * characters, the value tRPC's own documentation uses for `maxURLLength` (the old Internet
 * Explorer limit). Left unset (the default), a batch of 1,000 GET calls puts ~30 KB in the URL
 * and Node's 16 KB request-head limit refuses it with 431.
 */
export const TRPC_MAX_URL_LENGTH = 2_083;

/**
 * The caller for `kind`, talking to the server at `origin` (e.g. `http://127.0.0.1:1234`);
 * `wirepackOptions` overrides wirepack's client defaults (ours only).
 */
export async function createCaller(
  kind: ClientKind,
  origin: string,
  wirepackOptions: WirepackClientOverrides = {},
): Promise<Caller> {
  switch (kind) {
    case 'fetch':
      return fetchCaller(globalThis.fetch, origin);
    case 'trpc-batch':
    case 'trpc-batch-url':
    case 'trpc-stream':
    case 'trpc-stream-url':
      return trpcCaller(kind, origin);
    case 'naive':
    case 'naive-stream':
      return (await import('./naive.ts')).createNaiveCaller(origin, kind === 'naive-stream');
    case 'wirepack-light': {
      const { createWirepackFetch } = await import('./wirepack-client.ts');
      const api = createWirepackFetch(origin, wirepackOptions);
      return async (id, delayMs) => {
        const result = await api.call(`${origin}${userPath(id, delayMs)}`);
        if (!result.ok) throw new Error(`HTTP ${result.status}`);
        return result.body;
      };
    }
    case 'wirepack':
    case 'wirepack-identity': {
      const { createWirepackFetch } = await import('./wirepack-client.ts');
      const options =
        kind === 'wirepack-identity' ? { ...wirepackOptions, compressRequests: false } : wirepackOptions;
      return fetchCaller(createWirepackFetch(origin, options as WirepackClientOverrides), origin);
    }
  }
}

/** A REST call through a fetch-compatible function: plain `fetch`, or wirepack's batching one. */
function fetchCaller(fetchFn: typeof fetch, origin: string): Caller {
  return async (id, delayMs) => {
    const response = await fetchFn(`${origin}${userPath(id, delayMs)}`);
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    return response.json();
  };
}

async function trpcCaller(kind: ClientKind, origin: string): Promise<Caller> {
  const { createTRPCClient, httpBatchLink, httpBatchStreamLink } = await import('@trpc/client');
  type AppRouter = import('./trpc-router.ts').AppRouter;
  const options = kind.endsWith('-url')
    ? { url: origin, maxURLLength: TRPC_MAX_URL_LENGTH }
    : { url: origin };
  const link = kind.startsWith('trpc-stream') ? httpBatchStreamLink(options) : httpBatchLink(options);
  const client = createTRPCClient<AppRouter>({ links: [link] });
  return (id, delayMs) => client.user.query(delayMs > 0 ? { id, delayMs } : { id });
}
