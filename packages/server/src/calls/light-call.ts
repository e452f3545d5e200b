import type { Priority, SubRequest } from '@wirepack/protocol';
import type { CallSignal } from '../call-signal.ts';
import { callHeaders, type ParentInfo } from '../sub-request.ts';

/**
 * A call's headers, read-only, as the `fetch` path's `Request` would hold them: the call's own
 * (minus forbidden and proxy headers), the inherited ones it lacks, and `accept: *\/*` if it set none.
 * Names are matched without regard to case; no `Headers` object is built.
 */
export interface CallHeaders {
  /** The value of `name`, repeats joined with `, ` as `Headers.get` does; null when absent. */
  get(name: string): string | null;
  has(name: string): boolean;
  /** `[lower-case name, value]` pairs, in the order they arrived. */
  entries(): Array<[string, string]>;
}

/**
 * What a light handler receives for one call of a batch: the call as it travelled, with no `Request`
 * made for it. See {@link createCallRoutes}.
 */
export interface LightCall<TContext = unknown> {
  /** The method, the six standard ones upper-cased as `Request` does. */
  readonly method: string;
  /** The path as resolved by the URL parser, without the query. */
  readonly pathname: string;
  /** The query string with its `?`, or `''`. */
  readonly search: string;
  /** The query, parsed on first read. */
  readonly query: URLSearchParams;
  /** The route's `:name` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: CallHeaders;
  /**
   * The body as decoded from the batch: a JSON body's value (what `request.json()` would give), the
   * bytes of any other body, `undefined` when there is none.
   */
  readonly body: unknown;
  /** Aborts when the call times out, is cancelled, or the client goes away. Made on first read. */
  readonly signal: AbortSignal;
  /** The batch-scoped value made by `options.createContext` (undefined without it). */
  readonly context: TContext;
  /** The call's id within its batch, its batch's id and its priority. */
  readonly id: number;
  readonly batchId: string;
  readonly priority: Priority;
  /** The batch request this call came in (its URL, its headers). */
  readonly parent: Request;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** A call's status, headers and body chosen by a light handler; see {@link callResponse}. */
export class CallResponse {
  /** @internal */
  readonly status: number;
  /** @internal `[name, value]` pairs. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** @internal A JSON value, a string (sent as text), bytes, or undefined for no body. */
  readonly body: unknown;

  constructor(status: number, headers: ReadonlyArray<readonly [string, string]>, body: unknown) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

/** Options of {@link callResponse}. */
export interface CallResponseInit {
  /**
   * The status.
   * @default 200
   */
  readonly status?: number;
  /**
   * Headers, as a record or pairs. A `content-type` of the body's kind is added when missing.
   * @default none
   */
  readonly headers?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
}

/**
 * A light handler's answer with a status or headers of its own. The body is a JSON value (sent as
 * `application/json`; a string is a JSON value too), a `Uint8Array` (sent as is, with the
 * `content-type` given, else `application/octet-stream`), or `undefined` for no body.
 *
 * @example
 * ```ts
 * routes.get('/api/users/:id', async (call) => {
 *   const user = await db.user(call.params.id);
 *   return user ?? callResponse({ error: 'not found' }, { status: 404 });
 * });
 * ```
 */
export function callResponse(body: unknown, init: CallResponseInit = {}): CallResponse {
  const status = init.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(
      `[wirepack/server] callResponse: status must be an integer from 200 to 599, got ${status}`,
    );
  }
  const headers: Array<readonly [string, string]> = [];
  const given = init.headers;
  if (given !== undefined) {
    const pairs = Array.isArray(given) ? given : Object.entries(given);
    for (const [name, value] of pairs as ReadonlyArray<readonly [string, string]>) {
      const lower = String(name).toLowerCase();
      const text = String(value);
      // What `new Headers` refuses, refused here too (a handler's mistake is a 500 on both paths).
      if (!HEADER_NAME.test(lower) || /[\0\r\n]/.test(text)) {
        throw new TypeError(`[wirepack/server] callResponse: invalid header ${lower.slice(0, 32)}`);
      }
      headers.push([lower, text]);
    }
  }
  return new CallResponse(status, headers, body);
}

/** The {@link CallHeaders} over pairs whose names may be in any case. */
export class PairHeaders implements CallHeaders {
  readonly #pairs: ReadonlyArray<readonly [string, string]>;

  constructor(pairs: ReadonlyArray<readonly [string, string]>) {
    this.#pairs = pairs;
  }

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    let value: string | null = null;
    for (const [key, item] of this.#pairs) {
      if (key.length === wanted.length && key.toLowerCase() === wanted) {
        value = value === null ? item : `${value}, ${item}`;
      }
    }
    return value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  entries(): Array<[string, string]> {
    return this.#pairs.map(([name, value]) => [name.toLowerCase(), value]);
  }
}

/**
 * A batch call's {@link CallHeaders}, built on first read: most handlers never look at headers, and
 * the list (the call's own, the inherited ones, `accept`) is then never made. Its limits are checked
 * before (checkHeaderLimits), so building cannot fail later.
 */
export class LazyCallHeaders implements CallHeaders {
  readonly #call: SubRequest;
  readonly #parent: ParentInfo;
  #pairs: PairHeaders | undefined;

  constructor(call: SubRequest, parent: ParentInfo) {
    this.#call = call;
    this.#parent = parent;
  }

  get(name: string): string | null {
    return this.#built().get(name);
  }

  has(name: string): boolean {
    return this.#built().has(name);
  }

  entries(): Array<[string, string]> {
    return this.#built().entries();
  }

  #built(): PairHeaders {
    if (this.#pairs !== undefined) return this.#pairs;
    const { headers, present } = callHeaders(this.#call, this.#parent);
    // As buildSubRequest: a JSON body is the app's `application/json` unless the call said otherwise.
    if (this.#call.body.kind === 'json' && !present?.has('content-type')) {
      headers.push(['content-type', 'application/json']);
    }
    this.#pairs = new PairHeaders(headers);
    return this.#pairs;
  }
}

/** The light call of one batch call; its query and signal are made on first read. */
export class BatchLightCall<TContext> implements LightCall<TContext> {
  #query: URLSearchParams | undefined;

  constructor(
    readonly method: string,
    readonly pathname: string,
    readonly search: string,
    readonly params: Readonly<Record<string, string>>,
    readonly headers: CallHeaders,
    readonly body: unknown,
    readonly context: TContext,
    readonly id: number,
    readonly batchId: string,
    readonly priority: Priority,
    readonly parent: Request,
    private readonly callSignal: CallSignal,
  ) {}

  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.search);
    return this.#query;
  }

  get signal(): AbortSignal {
    return this.callSignal.signal;
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A body the handler cannot be given: JSON by its type, not JSON by its bytes. */
export class UnreadableBody extends Error {}

/**
 * The body a light handler sees, the same on both paths (`routesFetch` reads a `Request` the same
 * way): a JSON value, or the bytes of a body whose `content-type` is not JSON; `undefined` for none or
 * an empty one. Bytes declared JSON are parsed, as `request.json()` would; `UnreadableBody` when
 * they do not parse (the caller answers 400).
 */
export function lightBody(value: unknown, contentType: string | null): unknown {
  if (!(value instanceof Uint8Array)) return value;
  if (value.byteLength === 0) return undefined;
  if (contentType === null || !JSON_TYPE.test(contentType)) return value;
  try {
    return JSON.parse(utf8.decode(value));
  } catch (error) {
    throw new UnreadableBody('the body is not JSON', { cause: error });
  }
}

/** The answer to a body that is not what its type says, on both paths. */
export const UNREADABLE_BODY_ANSWER: CallResponse = new CallResponse(
  400,
  [['content-type', 'text/plain']],
  undefined,
);
