// One behaviour table, run against both ways a batch handler is served: the Web core called with a
// Request (no socket), and the same handler behind the Node adapter on a real 127.0.0.1 server. The
// model is unjs/h3's `describeMatrix` (test/_setup.ts): each case is written once, against a target
// that hides which side it runs on, and each side's run carries the side in its name.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { toNodeListener } from '../adapters/node.ts';
import type { BatchHandler } from '../index.ts';
import { ORIGIN } from './batch.ts';

/** Which way a case reaches the handler. */
export type MatrixSide = 'web' | 'node';

/** What a case sees of the handler it drives, the same on both sides. */
export interface MatrixTarget {
  readonly side: MatrixSide;
  /** The handler under test (for its metrics); requests go through {@link MatrixTarget.send}. */
  readonly handler: BatchHandler;
  /** The origin to build requests on: {@link ORIGIN} on 'web', the server's `http://127.0.0.1:<port>` on 'node'. */
  readonly origin: string;
  /**
   * Sends a request built for the socketless tests (see test-support/batch.ts, with `origin`): to the
   * handler itself on 'web'; on 'node' over HTTP with the same method, headers, body and signal,
   * redirects not followed and `accept-encoding: identity` unless the request names its own (the
   * Web core never compresses; the adapter's compression has its own tests in adapters/node.test.ts).
   */
  send(request: Request): Promise<Response>;
}

/** A table of cases: each name is one test, run once per side. */
export type MatrixCases = Readonly<Record<string, (target: MatrixTarget) => Promise<void>>>;

/**
 * Runs every case of `cases` twice, as `<title> [web] > <case>` and `<title> [node] > <case>`, so
 * a case that fails on one side only names that side. `createHandler` is called once per side:
 * state a handler keeps (metrics, running batches) never leaks from one side into the other.
 *
 * @example
 * ```ts
 * describeMatrix('batches', () => createBatchHandler({ fetch: app.fetch }), {
 *   'answers a call': async ({ send, origin }) => {
 *     const frames = await collectFrames(await send(batchRequest([{ id: 1, path: '/' }], { origin })));
 *     expect(resultsById(frames).get(1)?.status).toBe(200);
 *   },
 * });
 * ```
 */
export function describeMatrix(title: string, createHandler: () => BatchHandler, cases: MatrixCases): void {
  for (const side of ['web', 'node'] as const) {
    describe(`${title} [${side}]`, () => {
      const target = side === 'web' ? webTarget(createHandler) : nodeTarget(createHandler);
      for (const [name, run] of Object.entries(cases)) it(name, () => run(target));
    });
  }
}

function webTarget(createHandler: () => BatchHandler): MatrixTarget {
  let handler: BatchHandler | undefined;
  beforeAll(() => {
    handler = createHandler();
  });
  return {
    side: 'web',
    origin: ORIGIN,
    get handler() {
      return started(handler);
    },
    send: async (request) => started(handler)(request),
  };
}

function nodeTarget(createHandler: () => BatchHandler): MatrixTarget {
  let handler: BatchHandler | undefined;
  let server: Server | undefined;
  let origin = '';
  beforeAll(async () => {
    handler = createHandler();
    server = createServer(toNodeListener(handler));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
  return {
    side: 'node',
    get origin() {
      return origin;
    },
    get handler() {
      return started(handler);
    },
    send: async (request) => {
      const headers = new Headers(request.headers);
      if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      return fetch(request.url, {
        method: request.method,
        headers,
        body: hasBody ? await request.arrayBuffer() : null,
        redirect: 'manual',
        signal: request.signal,
      });
    },
  };
}

function started(handler: BatchHandler | undefined): BatchHandler {
  if (handler === undefined) throw new Error('the matrix handler is made in beforeAll; use it inside a case');
  return handler;
}
