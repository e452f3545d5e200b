// Starts the REST fixture behind @wirepack/server on 127.0.0.1 through the server's Node adapter,
// for the batching end-to-end tests. Every server listens on loopback only and closes in afterAll.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRestApi, type RestApi, type RestApiContext } from '@wirepack/fixture-rest-api';
import { type BatchHandlerOptions, createBatchHandler } from '@wirepack/server';
import { nodeCompression, toNodeListener } from '@wirepack/server/node';

export interface Served {
  readonly api: RestApi;
  readonly origin: string;
  readonly endpoint: string;
  /** Batch POSTs the server received (cancel messages excluded). */
  batches(): number;
  /** Cancel messages the server received. */
  cancels(): number;
  /** Content-Encoding of each batch POST, null for identity. */
  readonly encodings: Array<string | null>;
  close(): Promise<void>;
}

export async function serve(
  options: Partial<BatchHandlerOptions<RestApiContext>> = {},
  handleOther?: (request: Request) => Promise<Response | undefined>,
): Promise<Served> {
  const api = createRestApi({ users: 200 });
  const handler = createBatchHandler<RestApiContext>({
    fetch: api.fetch,
    createContext: api.createContext,
    // zlib's flushing gzip/brotli for responses and brotli for requests: the recommended Node setup.
    ...nodeCompression(),
    onError: () => {
      // The fixture's /api/throw is expected to throw; nothing to log in tests.
    },
    ...options,
  });
  let batches = 0;
  let cancels = 0;
  const encodings: Array<string | null> = [];
  const counted = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === handler.endpoint && request.method === 'POST') {
      if (request.headers.get('content-type')?.includes('cancel')) cancels++;
      else {
        batches++;
        encodings.push(request.headers.get('content-encoding'));
      }
    }
    return (await handleOther?.(request)) ?? handler(request);
  };
  const server: Server = createServer(
    toNodeListener(counted, {
      onError: () => {
        // As above: the expected /api/throw failures.
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    api,
    origin,
    endpoint: `${origin}${handler.endpoint}`,
    batches: () => batches,
    cancels: () => cancels,
    encodings,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      api.close();
    },
  };
}
