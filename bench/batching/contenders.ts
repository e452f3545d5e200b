// The contenders, each a client kind paired with the server it talks to.
import { TRPC_MAX_URL_LENGTH } from './callers.ts';
import type { ClientKind, ServerKind } from './messages.ts';

/** One way of making the calls. */
export interface Contender {
  id: ClientKind;
  label: string;
  server: ServerKind;
}

/** Every contender, in the order they run and print. */
export const CONTENDERS: readonly Contender[] = [
  { id: 'fetch', label: 'plain fetch (1 request/call)', server: 'rest' },
  { id: 'trpc-batch', label: 'tRPC httpBatchLink (defaults)', server: 'trpc' },
  { id: 'trpc-batch-url', label: `tRPC httpBatchLink (maxURLLength ${TRPC_MAX_URL_LENGTH})`, server: 'trpc' },
  { id: 'trpc-stream', label: 'tRPC httpBatchStreamLink (defaults)', server: 'trpc' },
  {
    id: 'trpc-stream-url',
    label: `tRPC httpBatchStreamLink (maxURLLength ${TRPC_MAX_URL_LENGTH})`,
    server: 'trpc',
  },
  { id: 'wirepack', label: 'wirepack createBatchFetch', server: 'wirepack' },
  // The same with compression off at both ends (toNodeListener's response compression, the
  // client's request compression): what batching and the envelope cost and save on their own.
  { id: 'wirepack-identity', label: 'wirepack, compression off', server: 'wirepack-identity' },
  // The opt-in light path: the endpoint as a route of createCallRoutes() on the server, batchFetch.call()
  // on the client; no Request or Response per call on either end.
  { id: 'wirepack-light', label: 'wirepack light path (routes + call)', server: 'wirepack-light' },
  // The naive reference (naive.ts): DataLoader + msgpackr, one answer per batch or streamed per call.
  { id: 'naive', label: 'naive DataLoader + msgpackr', server: 'naive' },
  { id: 'naive-stream', label: 'naive DataLoader + msgpackr, streamed', server: 'naive' },
];

/** The peer the goals are stated against: tRPC's httpBatchLink in the configuration that works. */
export const REFERENCE_PEER: ClientKind = 'trpc-batch-url';

/** The contender the goals of issue 5 apply to (the default path). */
export const OURS: ClientKind = 'wirepack';

/** The contender the goals of issue 11 apply to: the opt-in light path. */
export const LIGHT: ClientKind = 'wirepack-light';

/** The naive reference the light path is measured against (issue 11). */
export const NAIVE_REFERENCE: ClientKind = 'naive-stream';
