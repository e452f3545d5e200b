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
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  /** The sub-response body: bytes as sent, or a JSON value. `undefined` for a null body. */
  readonly body: { readonly bytes: Uint8Array } | { readonly value: unknown } | undefined;
}

/**
 * A `Response` built from a result frame that behaves like one `fetch` returned: `url`,
 * `redirected` and `type` are those of the call (a constructed Response would say '', false and
 * 'default'), and `clone()` keeps them.
 *
 * A JSON body arrives as a value. `json()` hands that value over without ever serialising it;
 * `text()`, `arrayBuffer()`, `blob()` and `body` read a stream that serialises it with
 * `JSON.stringify` the first time it is pulled. `json()` still consumes the body (`bodyUsed`
 * turns true and a second read fails as it would natively), by cancelling that stream unread.
 */
export class BatchedResponse extends Response {
  readonly #meta: ResponseMeta;

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
    });
  }

  constructor(meta: ResponseMeta) {
    const body = meta.body;
    super(
      body === undefined
        ? null
        : 'bytes' in body
          ? (body.bytes as Uint8Array<ArrayBuffer>)
          : jsonStream(body.value),
      { status: meta.status, statusText: REASONS[meta.status] ?? '', headers: meta.headers },
    );
    this.#meta = meta;
  }

  override async json(): Promise<unknown> {
    const body = this.#meta.body;
    const stream = this.body;
    // Already read or being read: the native method rejects with the platform's own TypeError.
    if (body === undefined || !('value' in body) || stream === null || this.bodyUsed || stream.locked) {
      return super.json();
    }
    await stream.cancel(); // marks the body used, exactly as reading it would
    return body.value;
  }

  override clone(): Response {
    if (this.bodyUsed || this.body?.locked) return super.clone(); // throws the native TypeError
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
  const headers = new Headers();
  for (const [name, value] of frame.headers) headers.append(name, value);
  const nullBody = NULL_BODY_STATUSES.has(frame.status) || method === 'HEAD';
  const body = frame.body;
  return new BatchedResponse({
    status: frame.status,
    headers,
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
