import {
  type Body,
  type DecodeLimits,
  encodeFrame,
  FRAME_HEADER_BYTES,
  type HeaderList,
  isJsonMediaType,
  NO_BODY,
  type ResultFrame,
  WirepackError,
} from '@wirepack/protocol';
import { concat } from './read-body.ts';

/** How a sub-response becomes a result frame. */
export interface ResultFrameOptions {
  /** Largest body read from the app. */
  readonly maxResponseBytes: number;
  /** The decode limits the client applies to each frame (the protocol's defaults unless both sides agree on others). */
  readonly decode: DecodeLimits;
  /** Send JSON bodies as MessagePack values. */
  readonly jsonAsValues: boolean;
  /** Keep `Set-Cookie` headers in frames (see BatchHandlerOptions.exposeSetCookie). */
  readonly exposeSetCookie: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How the batch steers the reading of one sub-response body. */
export interface BodyReadControl {
  /** Registers the function that stops the read (undefined: the read is over); the batch calls it when the call aborts. */
  readonly onAbort: (stop: (() => void) | undefined) => void;
  /**
   * Charges bytes just read to the batch's buffer budget; a promise means wait for it before reading
   * on (the client is behind and the budget is spent).
   */
  readonly charge: (bytes: number) => Promise<void> | undefined;
}

/** The response body of an exception: the same generic text most frameworks send, nothing from the error. */
export const INTERNAL_ERROR_FRAME_BODY: Uint8Array = new TextEncoder().encode('Internal Server Error');

/**
 * A result to be written together with the others ready in the same tick (one results frame, see
 * `encodeResultsFrame`), with upper bounds of what it adds to that message, so the frame sink can
 * keep every message within the client's decode limits.
 */
export interface PendingResult {
  readonly frame: ResultFrame;
  /** Upper bound of its encoded size in bytes. */
  readonly bytes: number;
  /** Upper bound of the array items and map entries it adds to a message. */
  readonly entries: number;
}

/**
 * Extra nesting of a body inside a results frame (`[4, [[id, status, headers, kind, body]]]`) over
 * a single result frame (`[0, id, status, headers, kind, body]`).
 */
const RESULTS_FRAME_EXTRA_DEPTH = 2;

/**
 * Reads an app's Response into a result. JSON bodies travel as values when they can be decoded by
 * the client within its limits; anything else (a JSON body that does not parse, one nested deeper
 * than the client accepts, one with a `__proto__` key that the protocol refuses) travels as the
 * app's exact bytes. A result whose bounds fit a results frame is returned as a
 * {@link PendingResult} for the sink to encode with its neighbours; a larger one is encoded here,
 * alone (length prefix included). Throws FRAME_TOO_LARGE past the limits.
 */
export async function toResultFrame(
  id: number,
  response: Response,
  options: ResultFrameOptions,
  control?: BodyReadControl,
): Promise<PendingResult | Uint8Array> {
  const contentType = response.headers.get('content-type');
  const raw = await readResponseBody(response, options.maxResponseBytes, control);
  const limits = options.decode;
  let body: Body = NO_BODY;
  let asValue = false;
  let entries = 0; // of the body
  let shareable = true; // fits a results frame (its extra nesting included)
  if (raw !== null) {
    body = { kind: 'bytes', bytes: raw };
    if (options.jsonAsValues && raw.byteLength > 0 && isJsonMediaType(contentType)) {
      const parsed = parseJson(raw, limits);
      if (parsed !== undefined) {
        body = { kind: 'json', value: parsed.value };
        asValue = true;
        entries = parsed.entries;
        shareable = parsed.depth + RESULTS_FRAME_EXTRA_DEPTH <= limits.maxDepth;
      }
    }
  }
  const headers = headerList(response.headers, asValue, options.exposeSetCookie);
  const frame: ResultFrame = { kind: 'result', id, status: response.status, headers, body };
  // MessagePack never takes more than 2.25x a JSON text (a short float such as `1.5,` becomes a
  // 9-byte float64); bytes take their length plus a 5-byte header.
  const bodyBytes = raw === null ? 0 : asValue ? 3 * raw.byteLength : raw.byteLength + 5;
  return shareOrEncode(frame, bodyBytes, entries, shareable, limits);
}

/**
 * A result ready to go: pending (to share a results frame with others of the same tick) when it fits
 * one by depth (`shareable`) and by an upper bound of its encoded size, else encoded alone now, which
 * also checks that it fits a frame at all. Used by the fetch path and the light path alike.
 * `bodyBytes` is the caller's upper bound for the body; header strings are byte strings.
 */
export function shareOrEncode(
  frame: ResultFrame,
  bodyBytes: number,
  entries: number,
  shareable: boolean,
  limits: DecodeLimits,
): PendingResult | Uint8Array {
  let bytes = 32 + bodyBytes;
  for (const [name, value] of frame.headers) bytes += 2 * (name.length + value.length) + 10;
  if (shareable && bytes <= limits.maxBytes) {
    return { frame, bytes, entries: entries + 2 * frame.headers.length + 8 };
  }
  const encoded = encodeFrame(frame);
  if (encoded.byteLength - FRAME_HEADER_BYTES > limits.maxBytes) {
    throw new WirepackError(
      'FRAME_TOO_LARGE',
      `the response frame of ${encoded.byteLength} bytes exceeds the limit of ${limits.maxBytes}`,
    );
  }
  return encoded;
}

/** Encodes the 500 result frame sent when the app throws. */
export function internalErrorFrame(id: number): Uint8Array {
  return encodeFrame({
    kind: 'result',
    id,
    status: 500,
    headers: [['content-type', 'text/plain; charset=utf-8']],
    body: { kind: 'bytes', bytes: INTERNAL_ERROR_FRAME_BODY },
  });
}

function headerList(headers: Headers, bodyIsValue: boolean, exposeSetCookie: boolean): HeaderList {
  const list: Array<readonly [string, string]> = [];
  // Headers iterate with lower-case names, and yield each Set-Cookie on its own (Fetch standard).
  for (const [name, value] of headers) {
    // A value body is re-serialised by the client: the app's byte count no longer describes it.
    if (bodyIsValue && name === 'content-length') continue;
    // Page script reads frames, and would read HttpOnly cookies here; the browser stores none of them
    // (https://fetch.spec.whatwg.org/#forbidden-response-header-name hides them from script in fetch).
    if (!exposeSetCookie && (name === 'set-cookie' || name === 'set-cookie2')) continue;
    list.push([name, value]);
  }
  return list;
}

/**
 * The body's bytes, null for a bodiless response; FRAME_TOO_LARGE past the limit (checked while
 * reading). With `control`, an abort cancels the read (CANCELED) and each chunk is charged to the
 * batch's budget, waiting while it is spent: the app's stream is then not pulled, which is the
 * back-pressure a streaming handler sees.
 */
async function readResponseBody(
  response: Response,
  limit: number,
  control?: BodyReadControl,
): Promise<Uint8Array | null> {
  if (response.body === null) return null;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    response.body.cancel().catch(() => {
      // The app's stream failed while being discarded: nothing to keep.
    });
    throw frameTooLarge(limit);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let stopped = false;
  control?.onAbort(() => {
    stopped = true;
    reader.cancel().catch(() => {
      // The app's stream failed while being discarded: nothing to keep.
    });
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // A cancelled read ends as if the body were complete: it is not.
      if (stopped) throw new WirepackError('CANCELED', 'the sub-request was aborted while its body was read');
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        reader.cancel().catch(() => {
          // As above: the rest of the body is not wanted.
        });
        throw frameTooLarge(limit);
      }
      chunks.push(value);
      const wait = control?.charge(value.byteLength);
      if (wait !== undefined) {
        await wait;
        if (stopped)
          throw new WirepackError('CANCELED', 'the sub-request was aborted while its body was read');
      }
    }
  } catch (error) {
    reader.releaseLock();
    throw error;
  }
  control?.onAbort(undefined);
  // A stream read to its end needs no releaseLock (which makes an error object, the reader's
  // rejected closed promise, every time): nothing else can read this body.
  return concat(chunks, total);
}

function frameTooLarge(limit: number): WirepackError {
  return new WirepackError('FRAME_TOO_LARGE', `the sub-response body exceeds the limit of ${limit} bytes`);
}

/** A JSON body parsed into a value, with what it adds to a message. */
interface ParsedJson {
  readonly value: unknown;
  /** Nesting depth of its deepest container, counted from the frame (the body sits at depth 2). */
  readonly depth: number;
  /** Upper bound of its array items and map entries. */
  readonly entries: number;
}

/** The parsed value if it is JSON the client can decode within its limits, else undefined. */
function parseJson(bytes: Uint8Array, limits: DecodeLimits): ParsedJson | undefined {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    // Not UTF-8 or not JSON despite its Content-Type: send the bytes exactly as the app wrote them.
    return undefined;
  }
  // Short texts cannot break any limit: nesting takes two characters a level, an entry at least one,
  // and a `__proto__` key needs the letters "proto" (escaped or not).
  if (text.length < 2 * (limits.maxDepth - 4) && !text.includes('proto')) {
    return { value, depth: 1 + (text.length >> 1), entries: text.length };
  }
  return measure(value, limits);
}

/**
 * Walks a parsed JSON value with an explicit stack: undefined if the frame holding it would break the
 * client's decode limits (depth, entries, string length) or hold the `__proto__` key the protocol refuses.
 */
function measure(root: unknown, limits: DecodeLimits): ParsedJson | undefined {
  // The value sits inside the frame array: depth 1 is the frame, so the body starts at depth 2.
  const stack: Array<[unknown, number]> = [[root, 2]];
  let entries = 16; // the frame's own items and headers, generously
  let deepest = 1;
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (value.length * 3 > limits.maxStringBytes) return undefined;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > limits.maxDepth) return undefined;
    if (depth > deepest) deepest = depth;
    if (Array.isArray(value)) {
      entries += value.length;
      if (entries > limits.maxEntries) return undefined;
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    const keys = Object.keys(value);
    entries += keys.length;
    if (entries > limits.maxEntries) return undefined;
    for (const key of keys) {
      if (key === '__proto__' || key.length * 3 > limits.maxStringBytes) return undefined;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return { value: root, depth: deepest, entries };
}
