import type { ResultFrame } from '@wirepack/protocol';

const encoder = new TextEncoder();

/** Statuses whose responses never have a body (Fetch, "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Reason phrases, as an HTTP/1.1 server such as Node's sends them and `fetch` reports them in
 * `statusText` (frames carry only the status code).
 */
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a Teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
  511: 'Network Authentication Required',
};

interface ResponseMeta {
  readonly status: number;
  readonly headers: HeadersInit;
  readonly url: string;
  readonly redirected: boolean;
  /** The sub-response body: bytes as sent, or a JSON value. `undefined` for a null body. */
  readonly body: { readonly bytes: Uint8Array } | { readonly value: unknown } | undefined;
}

// The platform's own body accessors, for responses whose body is a real stream.
const nativeBody = Object.getOwnPropertyDescriptor(Response.prototype, 'body')?.get as (
  this: Response,
) => ReadableStream<Uint8Array> | null;
const nativeBodyUsed = Object.getOwnPropertyDescriptor(Response.prototype, 'bodyUsed')?.get as (
  this: Response,
) => boolean;

const nativeBytes = (Response.prototype as { bytes?: (this: Response) => Promise<Uint8Array> }).bytes;

/**
 * Whether a JSON response may hold its value without a body stream. Platform APIs that take a
 * Response read its internal body, not the `body` getter: `cache.put()` and a service worker's
 * `respondWith()` would store or send an empty body. Runtimes with the Cache API (browsers in secure
 * contexts, service workers, Deno) therefore get a real stream, which is cheap there; Node, where a
 * stream is most of a Response's cost (each one is made transferable in Node 20), has no such API.
 */
function holdsJsonValues(): boolean {
  return typeof caches === 'undefined';
}

/** What reading a consumed body rejects with (the platform's message varies; the type is TypeError). */
function bodyUsedError(): TypeError {
  return new TypeError('Body is unusable: Body has already been read');
}

/**
 * A `Response` built from a result frame that behaves like one `fetch` returned: `url`,
 * `redirected` and `type` are those of the call (a constructed Response would say '', false and
 * 'default'), and `clone()` keeps them.
 *
 * A JSON body arrives as a value, and the response holds that value rather than a stream: `json()`
 * hands it over without serialising anything, and the body stream is made only when something
 * asks for it (`body`, `text()`, `arrayBuffer()`, `blob()`, `formData()`), serialising the value
 * with `JSON.stringify` when first pulled. A stream per response is most of what a Response costs
 * in Node 20 (each ReadableStream is made transferable), and nearly every caller only calls `json()`.
 * `bodyUsed`, second reads and `clone()` behave as they do natively. Bytes bodies are ordinary
 * Response bodies.
 */
export class BatchedResponse extends Response {
  readonly #meta: ResponseMeta;
  /** Holds a JSON value instead of a stream (see the class comment). */
  readonly #lazy: boolean;
  /** json() handed the value over. */
  #jsonRead = false;
  /** The real body of a lazy response, made on first use other than json(). */
  #inner: Response | undefined;

  static {
    // lib.dom declares these as properties, so TypeScript will not let a subclass declare
    // accessors for them; the prototype takes them the plain JavaScript way.
    Object.defineProperties(BatchedResponse.prototype, {
      url: {
        get(this: BatchedResponse) {
          return this.#meta.url;
        },
        configurable: true,
      },
      redirected: {
        get(this: BatchedResponse) {
          return this.#meta.redirected;
        },
        configurable: true,
      },
      type: { get: () => 'basic', configurable: true },
      body: {
        get(this: BatchedResponse) {
          return this.#lazy ? this.#materialize().body : nativeBody.call(this);
        },
        configurable: true,
      },
      bodyUsed: {
        get(this: BatchedResponse) {
          if (!this.#lazy) return nativeBodyUsed.call(this);
          return this.#jsonRead || (this.#inner?.bodyUsed ?? false);
        },
        configurable: true,
      },
    });
    // Newer runtimes have bytes(); give it the same treatment where it exists.
    if (typeof (Response.prototype as { bytes?: unknown }).bytes === 'function') {
      Object.defineProperty(BatchedResponse.prototype, 'bytes', {
        value(this: BatchedResponse) {
          return this.#lazy ? this.#read('bytes') : nativeBytes?.call(this);
        },
        configurable: true,
        writable: true,
      });
    }
  }

  constructor(meta: ResponseMeta) {
    const body = meta.body;
    const lazy = body !== undefined && 'value' in body && holdsJsonValues();
    super(
      body === undefined || lazy
        ? null
        : 'bytes' in body
          ? (body.bytes as Uint8Array<ArrayBuffer>)
          : jsonStream(body.value),
      {
        status: meta.status,
        statusText: REASONS[meta.status] ?? '',
        headers: meta.headers,
      },
    );
    this.#meta = meta;
    this.#lazy = lazy;
  }

  /** The body stream of a lazy response, made once: a Response of its own carries it and its reads. */
  #materialize(): Response {
    if (this.#inner === undefined) {
      const body = this.#meta.body as { readonly value: unknown };
      // Read after json() handed the value over: an already-consumed body, as native.
      this.#inner = new Response(jsonStream(this.#jsonRead ? undefined : body.value), {
        headers: this.headers,
      });
      if (this.#jsonRead) void this.#inner.text().catch(() => {});
    }
    return this.#inner;
  }

  #read(method: 'text' | 'arrayBuffer' | 'blob' | 'formData' | 'bytes'): Promise<never> {
    if (this.#jsonRead) return Promise.reject(bodyUsedError());
    const inner = this.#materialize() as unknown as Record<typeof method, () => Promise<never>>;
    return inner[method]();
  }

  override json(): Promise<unknown> {
    if (!this.#lazy) return this.#jsonFromStream();
    if (this.#jsonRead) return Promise.reject(bodyUsedError());
    const body = this.#meta.body as { readonly value: unknown };
    const inner = this.#inner;
    if (inner === undefined) {
      this.#jsonRead = true;
      return Promise.resolve(body.value);
    }
    const stream = inner.body;
    // Already read or being read: the native method rejects with the platform's own TypeError.
    if (stream === null || inner.bodyUsed || stream.locked) return inner.json();
    // Mark the body used, exactly as reading it would.
    return stream.cancel().then(() => body.value);
  }

  /** json() of a response with a real body stream: the value itself when the body holds one. */
  async #jsonFromStream(): Promise<unknown> {
    const body = this.#meta.body;
    const stream = nativeBody.call(this);
    // Already read or being read: the native method rejects with the platform's own TypeError.
    if (body === undefined || !('value' in body) || stream === null || this.bodyUsed || stream.locked) {
      return super.json();
    }
    await stream.cancel(); // marks the body used, exactly as reading it would
    return body.value;
  }

  override text(): Promise<string> {
    return this.#lazy ? this.#read('text') : super.text();
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#lazy ? this.#read('arrayBuffer') : super.arrayBuffer();
  }

  override blob(): Promise<Blob> {
    return this.#lazy ? this.#read('blob') : super.blob();
  }

  override formData(): Promise<FormData> {
    return this.#lazy ? this.#read('formData') : super.formData();
  }

  override clone(): Response {
    if (this.#lazy) {
      if (this.#jsonRead) throw new TypeError('Response.clone: Body has already been consumed.');
      if (this.#inner !== undefined && (this.#inner.bodyUsed || this.#inner.body?.locked)) {
        return this.#inner.clone(); // throws the native TypeError
      }
    } else if (this.bodyUsed || this.body?.locked) {
      return super.clone(); // throws the native TypeError
    }
    const meta = this.#meta;
    const body = meta.body;
    return new BatchedResponse({
      ...meta,
      headers: new Headers(this.headers),
      // The copy's JSON value is its own: mutating one response's value never shows in the other.
      body: body !== undefined && 'value' in body ? { value: structuredClone(body.value) } : body,
    });
  }
}

/** Builds the caller's Response from a result frame. */
export function responseFromFrame(
  frame: ResultFrame,
  url: URL,
  method: string,
  redirected: boolean,
): BatchedResponse {
  const nullBody = NULL_BODY_STATUSES.has(frame.status) || method === 'HEAD';
  const body = frame.body;
  return new BatchedResponse({
    status: frame.status,
    // The Response copies the pairs into its own Headers (appending, so each Set-Cookie stays its own).
    headers: frame.headers as Array<[string, string]>,
    url: responseUrl(url),
    redirected,
    body: nullBody
      ? undefined
      : body.kind === 'json'
        ? { value: body.value }
        : // A fetch response always has a body stream, even an empty one, unless its status forbids it.
          { bytes: body.kind === 'bytes' ? body.bytes : new Uint8Array(0) },
  });
}

/** `Response.url` never includes the fragment. */
export function responseUrl(url: URL): string {
  if (url.hash === '') return url.href;
  const copy = new URL(url);
  copy.hash = '';
  return copy.href;
}

/** A body stream that serialises the value only if someone reads it (highWaterMark 0: no eager pull). */
function jsonStream(value: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        controller.enqueue(encoder.encode(JSON.stringify(value)));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
