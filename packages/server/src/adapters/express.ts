import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_ENDPOINT } from '@wirepack/protocol';
import {
  type BatchHandler,
  type BatchHandlerOptions,
  createBatchHandler,
  DEFAULT_SERVER_LIMITS,
  getSubRequestInfo,
} from '@wirepack/server';
// Internal, and bundled into this entry: its registry is shared with the core's through a global symbol.
import { registerSubRequest } from '../batch-context.ts';
import { injectNode, type NodeApp } from './inject.ts';
import { nodeCompression, zlibCompressors } from './node-compression.ts';
import { DEFAULT_COMPRESS_MIN_BYTES, nodeRequestOf, serveNode } from './node-http.ts';

/** Options of {@link createExpressMiddleware}: the handler's options without `fetch`, plus the app. */
export interface ExpressBatchOptions<TContext = unknown>
  extends Omit<BatchHandlerOptions<TContext>, 'fetch'> {
  /**
   * The app sub-requests are dispatched into.
   * @default req.app (the Express app the middleware is mounted on); required for plain Connect
   */
  readonly app?: NodeApp;
}

/** A Connect/Express middleware with the handler's metrics. */
export interface ExpressBatchMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The metrics of the batch handler behind this middleware (all zero before the first batch). */
  metrics(): ReturnType<BatchHandler['metrics']> | undefined;
}

/**
 * An Express (or Connect) middleware that answers the batch endpoint and dispatches each sub-request
 * into the same app in-process: no loopback HTTP, the app's own middleware (sessions, auth, routing)
 * runs for every call. `getBatchContext(req)` and `getSubRequestInfo(req)` work on the `req` an Express
 * handler receives; `getSubRequestInfo(req).signal` aborts on timeout, cancel or disconnect (the request
 * is also destroyed and the response emits `close`, as on a client disconnect).
 *
 * Mount it before body parsers that read every content type (`express.raw({ type: '*' + '/*' })`).
 * Batch responses are compressed as `toNodeListener` compresses them (zlib's brotli or gzip, from a first
 * chunk of 1 KiB) and brotli request bodies are read (`nodeCompression()`); pass `encoders`/`decoders` to
 * change that.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(createExpressMiddleware({ createContext: () => ({ users: new DataLoader(loadUsers) }) }));
 * app.get('/api/users/:id', async (req, res) => {
 *   const loader = getBatchContext<Ctx>(req)?.users ?? new DataLoader(loadUsers);
 *   res.json(await loader.load(req.params.id));
 * });
 * ```
 */
export function createExpressMiddleware<TContext = unknown>(
  options: ExpressBatchOptions<TContext> = {},
): ExpressBatchMiddleware {
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  const handlers = new WeakMap<NodeApp, BatchHandler>();
  let last: BatchHandler | undefined;
  const onError = options.onError;
  // Without encoders of its own, the handler leaves frames uncompressed and serveNode compresses them
  // (zlib written directly, the coding chosen on the first chunk), as toNodeListener does.
  const compressors = options.encoders === undefined ? zlibCompressors() : undefined;
  // Checked while the app writes: the injection would otherwise buffer a whole route's output first.
  const maxBodyBytes = options.limits?.maxResponseBytes ?? DEFAULT_SERVER_LIMITS.maxResponseBytes;

  const handlerFor = (app: NodeApp): BatchHandler => {
    let handler = handlers.get(app);
    if (handler === undefined) {
      const { app: _ignored, ...rest } = options;
      handler = createBatchHandler<TContext>({
        decoders: nodeCompression().decoders,
        ...rest,
        fetch: (request) => {
          const info = getSubRequestInfo<TContext>(request);
          const parent = info === undefined ? undefined : nodeRequestOf(info.parent);
          const socket = parent?.socket as (IncomingMessage['socket'] & { encrypted?: boolean }) | undefined;
          return injectNode(
            app,
            request,
            {
              remoteAddress: socket?.remoteAddress,
              remotePort: socket?.remotePort,
              encrypted: socket?.encrypted,
            },
            (req) => {
              if (info !== undefined) registerSubRequest(req, info);
            },
            { maxBodyBytes },
          );
        },
      });
      handlers.set(app, handler);
    }
    last = handler;
    return handler;
  };

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const query = url.indexOf('?');
    if ((query === -1 ? url : url.slice(0, query)) !== endpoint) {
      next();
      return;
    }
    const app = options.app ?? (req as { app?: NodeApp }).app;
    if (typeof app !== 'function') {
      next(new TypeError('[wirepack/server] createExpressMiddleware needs options.app outside Express'));
      return;
    }
    serveNode(
      handlerFor(app),
      req,
      res,
      (error) => {
        if (onError !== undefined) onError(error, { batchId: undefined });
        else console.error('[wirepack/server] the batch handler failed:', error);
      },
      compressors,
      DEFAULT_COMPRESS_MIN_BYTES,
    ).catch(next);
  };
  return Object.assign(middleware, { metrics: () => last?.metrics() });
}
