// An in-process wirepack endpoint for unit tests: a `fetch` that decodes batch requests with
// @wirepack/protocol, runs each call through a handler, and streams frames back in completion
// order, the way @wirepack/server does. Calls to other URLs are answered by `direct`.
import {
  BATCH_MEDIA_TYPE,
  type BatchRequest,
  CANCEL_MEDIA_TYPE,
  type CancelMessage,
  decodeBatchRequest,
  decodeCancelMessage,
  encodeFrame,
  FRAMES_MEDIA_TYPE,
  type Frame,
  type HeaderList,
  type ResultFrame,
  type SubRequest,
  toProblem,
  WirepackError,
} from '@wirepack/protocol';

export type CallAnswer =
  | Omit<ResultFrame, 'kind' | 'id'>
  | { readonly error: WirepackError }
  | { readonly skip: true }; // no frame at all for this call

export type Handler = (call: SubRequest, signal: AbortSignal) => CallAnswer | Promise<CallAnswer>;

export interface BatchRecord {
  readonly request: BatchRequest;
  readonly headers: Headers;
  readonly encoding: string | null;
  readonly wireBytes: number;
}

export interface FakeEndpointOptions {
  readonly origin?: string;
  readonly path?: string;
  /** Answers each batch before reading it: a Response replaces the frame stream. */
  readonly intercept?: (batch: BatchRecord, attempt: number) => Response | undefined;
  /** Frames appended after the calls' frames instead of the end frame. */
  readonly trailer?: () => Frame | 'truncate' | undefined;
  /** Codings the endpoint reads; others answer 415 UNSUPPORTED_ENCODING. */
  readonly acceptEncoding?: readonly string[];
  /** Advertise Accept-Encoding on frame responses (RFC 7694). */
  readonly advertise?: boolean;
}

export function json(value: unknown, status = 200, headers: HeaderList = []): CallAnswer {
  return {
    status,
    headers: [['content-type', 'application/json'], ...headers],
    body: { kind: 'json', value },
  };
}

export function bytes(data: Uint8Array | string, status = 200, headers: HeaderList = []): CallAnswer {
  const body = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { status, headers, body: { kind: 'bytes', bytes: body } };
}

export class FakeEndpoint {
  readonly batches: BatchRecord[] = [];
  readonly cancels: CancelMessage[] = [];
  readonly direct: Request[] = [];
  /** Paths of each uncompressed batch, recorded synchronously when its POST arrives. */
  readonly arrivals: string[][] = [];
  /** Signals the handler saw, by `${batchId}:${id}`. */
  readonly signals = new Map<string, AbortSignal>();
  readonly origin: string;
  readonly path: string;
  private readonly running = new Map<string, Map<number, AbortController>>();
  private attempts = 0;

  constructor(
    public handler: Handler,
    private readonly options: FakeEndpointOptions = {},
  ) {
    this.origin = options.origin ?? 'http://app.test';
    this.path = options.path ?? '/__wirepack';
  }

  get endpoint(): string {
    return this.origin + this.path;
  }

  /** All sub-requests received, in order. */
  get calls(): SubRequest[] {
    return this.batches.flatMap((batch) => [...batch.request.calls]);
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (
      init?.body instanceof Uint8Array &&
      headers.get('content-type') === BATCH_MEDIA_TYPE &&
      !headers.has('content-encoding')
    ) {
      this.arrivals.push(decodeBatchRequest(init.body).calls.map((call) => call.path));
    }
    const request = new Request(input, init);
    if (request.url !== this.endpoint) {
      this.direct.push(request);
      return new Response(`direct ${request.method} ${new URL(request.url).pathname}`, {
        headers: { 'x-direct': '1' },
      });
    }
    const type = request.headers.get('content-type');
    if (type === CANCEL_MEDIA_TYPE) {
      const message = decodeCancelMessage(new Uint8Array(await request.arrayBuffer()));
      this.cancels.push(message);
      const running = this.running.get(message.batchId);
      for (const id of message.ids) running?.get(id)?.abort(new WirepackError('CANCELED', 'cancelled'));
      return new Response(null, { status: 204 });
    }
    if (type !== BATCH_MEDIA_TYPE) throw new Error(`unexpected content type ${type}`);
    const encoding = request.headers.get('content-encoding');
    const raw = new Uint8Array(await request.arrayBuffer());
    const accepted = this.options.acceptEncoding ?? ['gzip'];
    if (encoding !== null && !accepted.includes(encoding)) {
      const error = new WirepackError('UNSUPPORTED_ENCODING', `cannot read ${encoding}`);
      this.attempts++;
      return problem(error);
    }
    const plain = encoding === null ? raw : await decompress(raw, encoding);
    const record: BatchRecord = {
      request: decodeBatchRequest(plain),
      headers: request.headers,
      encoding,
      wireBytes: raw.length,
    };
    this.batches.push(record);
    const intercepted = this.options.intercept?.(record, this.attempts++);
    if (intercepted !== undefined) return intercepted;
    return this.stream(record.request, request.signal);
  };

  private stream(batch: BatchRequest, requestSignal: AbortSignal): Response {
    const controllers = new Map<number, AbortController>();
    this.running.set(batch.batchId, controllers);
    requestSignal.addEventListener(
      'abort',
      () => {
        for (const abort of controllers.values()) abort.abort(requestSignal.reason);
      },
      { once: true },
    );
    const encoder = this;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const write = (frame: Frame): void => {
          try {
            controller.enqueue(encodeFrame(frame));
          } catch {
            // the client went away
          }
        };
        await Promise.all(
          batch.calls.map(async (call) => {
            const abort = new AbortController();
            controllers.set(call.id, abort);
            encoder.signals.set(`${batch.batchId}:${call.id}`, abort.signal);
            let answer: CallAnswer;
            try {
              answer = await encoder.handler(call, abort.signal);
            } catch (error) {
              answer = {
                error: error instanceof WirepackError ? error : new WirepackError('INTERNAL', 'boom'),
              };
            }
            if ('skip' in answer) return;
            if ('error' in answer) {
              write({ kind: 'error', id: call.id, code: answer.error.code, message: answer.error.message });
            } else {
              write({ kind: 'result', id: call.id, ...answer });
            }
          }),
        );
        const trailer = encoder.options.trailer?.();
        if (trailer === 'truncate') {
          controller.close();
          return;
        }
        write(trailer ?? { kind: 'end', timing: { total: 1 } });
        try {
          controller.close();
        } catch {
          // already cancelled by the client
        }
      },
    });
    const headers = new Headers({ 'content-type': FRAMES_MEDIA_TYPE });
    if (this.options.advertise)
      headers.set('accept-encoding', (this.options.acceptEncoding ?? ['gzip']).join(', '));
    return new Response(body, { status: 200, headers });
  }
}

export function problem(error: WirepackError): Response {
  return new Response(JSON.stringify(toProblem(error)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

async function decompress(bytes: Uint8Array, encoding: string): Promise<Uint8Array> {
  if (encoding === 'br') {
    const { brotliDecompressSync } = await import('node:zlib');
    return new Uint8Array(brotliDecompressSync(bytes));
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream(encoding as CompressionFormat));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A promise with its resolve function, to release a handler at a chosen moment. */
export function deferred<TValue>(): { promise: Promise<TValue>; resolve: (value: TValue) => void } {
  let resolve!: (value: TValue) => void;
  const promise = new Promise<TValue>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
