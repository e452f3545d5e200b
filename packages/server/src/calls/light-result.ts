import { type Body, type DecodeLimits, NO_BODY, type ResultFrame, WirepackError } from '@wirepack/protocol';
import { type PendingResult, type ResultFrameOptions, shareOrEncode } from '../to-result-frame.ts';
import { CallResponse } from './light-call.ts';

const utf8 = new TextEncoder();
const JSON_TYPE = 'application/json';

/** Extra nesting of a body in a results frame over the frame itself (see to-result-frame.ts). */
const RESULTS_FRAME_EXTRA_DEPTH = 2;

const STACK: unknown[] = [];
const DEPTHS: number[] = [];

/** A JSON value's shape: whether it is already what `JSON.parse(JSON.stringify(v))` gives, and its bounds. */
interface Shape {
  /** Only null, booleans, finite numbers, strings, arrays and plain objects, no `__proto__` key. */
  readonly plain: boolean;
  /** Deepest container, counted from the frame (the body sits at depth 2). */
  readonly depth: number;
  /** Array items and map entries. */
  readonly entries: number;
  /** Upper bound of its MessagePack size. */
  readonly bytes: number;
}

/**
 * Walks a value once: is it plain JSON, how deep, how many entries, how many bytes at most. Stops
 * early (plain: false) at anything that is not, so the caller normalises it the way `Response.json`
 * would; stops counting past `limits` (the caller then sends the JSON text as bytes, as the `fetch`
 * path does with a body the client could not decode as a value).
 */
function shapeOf(root: unknown, limits: DecodeLimits): Shape {
  // The walk never re-enters itself (it calls nothing that could): one pair of stacks serves every
  // call, emptied on the way out (so they hold no value alive), instead of two arrays per result.
  try {
    STACK.push(root);
    DEPTHS.push(2);
    return walk(STACK, DEPTHS, limits);
  } finally {
    STACK.length = 0;
    DEPTHS.length = 0;
  }
}

function walk(stack: unknown[], depths: number[], limits: DecodeLimits): Shape {
  let entries = 0;
  let bytes = 0;
  let deepest = 1;
  while (stack.length > 0) {
    const value = stack.pop();
    const depth = depths.pop() as number;
    switch (typeof value) {
      case 'string':
        // Longer than the client decodes as a string: the body travels as JSON text.
        if (3 * value.length > limits.maxStringBytes) {
          return { plain: true, depth: Number.POSITIVE_INFINITY, entries, bytes };
        }
        bytes += 3 * value.length + 5;
        continue;
      case 'number':
        if (!Number.isFinite(value)) return { plain: false, depth, entries, bytes };
        bytes += 9;
        continue;
      case 'boolean':
        bytes += 1;
        continue;
      case 'object':
        break;
      default:
        return { plain: false, depth, entries, bytes };
    }
    if (value === null) {
      bytes += 1;
      continue;
    }
    if (depth > deepest) deepest = depth;
    if (depth > limits.maxDepth || entries > limits.maxEntries) {
      return { plain: true, depth: Number.POSITIVE_INFINITY, entries, bytes };
    }
    bytes += 5;
    if (Array.isArray(value)) {
      entries += value.length;
      for (let i = 0; i < value.length; i++) {
        stack.push(value[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { plain: false, depth, entries, bytes };
    for (const key in value) {
      if (key === '__proto__') return { plain: true, depth: Number.POSITIVE_INFINITY, entries, bytes };
      const item = (value as Record<string, unknown>)[key];
      // JSON drops undefined, functions and symbols from objects: not plain, normalised by the caller.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        return { plain: false, depth, entries, bytes };
      }
      entries++;
      bytes += 3 * key.length + 5;
      stack.push(item);
      depths.push(depth + 1);
    }
  }
  return { plain: true, depth: deepest, entries, bytes };
}

/**
 * The result of a light handler's answer: a plain value as a 200 JSON value, a {@link CallResponse}
 * with its status and headers, `undefined` as a 204 with no body. What the client receives is what the
 * `fetch` path would have sent for `Response.json(value)`: values JSON would change (a `Date`, an
 * `undefined` member, `NaN`) go through `JSON.stringify` first; a value the client could not decode
 * as MessagePack within its limits travels as its JSON text. A result that fits a results frame is
 * returned as a {@link PendingResult}, a larger one encoded alone. Throws FRAME_TOO_LARGE past the
 * limits, and the TypeError `Response.json` throws for what JSON cannot write.
 */
export function lightResultFrame(
  id: number,
  answer: unknown,
  options: ResultFrameOptions,
): PendingResult | Uint8Array {
  let status = 200;
  let headers: Array<readonly [string, string]> = [];
  let value = answer;
  if (answer instanceof CallResponse) {
    status = answer.status;
    headers = [...answer.headers];
    value = answer.body;
  } else if (answer === undefined) {
    status = 204;
  } else if (!(answer instanceof Uint8Array)) {
    // The common case, a plain value: its one header list is shared by every such result (frames
    // are encoded, never changed), and sorting has nothing to do.
    return valueResult(id, answer, options);
  }
  const limits = options.decode;
  let body: Body = NO_BODY;
  let bodyBytes = 0;
  let entries = 0;
  let depth = 1;
  if (value instanceof Uint8Array) {
    if (value.byteLength > options.maxResponseBytes) throw frameTooLarge(options.maxResponseBytes);
    body = { kind: 'bytes', bytes: value };
    bodyBytes = value.byteLength + 5;
    if (!hasHeader(headers, 'content-type')) headers.push(['content-type', 'application/octet-stream']);
  } else if (value !== undefined) {
    if (!hasHeader(headers, 'content-type')) headers.push(['content-type', JSON_TYPE]);
    let shape = shapeOf(value, limits);
    if (!shape.plain) {
      value = normalise(value);
      shape = shapeOf(value, limits);
    }
    if (shape.bytes > options.maxResponseBytes || shape.depth === Number.POSITIVE_INFINITY) {
      // The JSON text decides, as on the fetch path: its size against the limit, and whether the client
      // can take it as a value (too deep, too many entries, a __proto__ key: it travels as text).
      const text = utf8.encode(JSON.stringify(value));
      if (text.byteLength > options.maxResponseBytes) throw frameTooLarge(options.maxResponseBytes);
      if (shape.depth === Number.POSITIVE_INFINITY || shape.bytes > limits.maxBytes) {
        body = { kind: 'bytes', bytes: text };
        bodyBytes = text.byteLength + 5;
      }
    }
    if (body === NO_BODY) {
      body = { kind: 'json', value };
      bodyBytes = shape.bytes;
      entries = shape.entries;
      depth = shape.depth;
    }
  }
  if (headers.length > 1) headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const frame: ResultFrame = { kind: 'result', id, status, headers, body };
  return shareOrEncode(
    frame,
    bodyBytes,
    entries,
    depth + RESULTS_FRAME_EXTRA_DEPTH <= limits.maxDepth,
    limits,
  );
}

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([
  Object.freeze(['content-type', JSON_TYPE] as const),
]);

/** A plain value's result, as the general path would make it with one `content-type` header. */
function valueResult(id: number, answer: unknown, options: ResultFrameOptions): PendingResult | Uint8Array {
  const limits = options.decode;
  let value = answer;
  let shape = shapeOf(value, limits);
  if (!shape.plain) {
    value = normalise(value);
    shape = shapeOf(value, limits);
  }
  if (shape.bytes > options.maxResponseBytes || shape.depth === Number.POSITIVE_INFINITY) {
    // Rare (large, deep or odd values): the general path decides with the JSON text.
    return lightResultFrame(id, new CallResponse(200, [], value), options);
  }
  const frame: ResultFrame = {
    kind: 'result',
    id,
    status: 200,
    headers: JSON_HEADERS,
    body: { kind: 'json', value },
  };
  const bytes = 32 + shape.bytes + 2 * (12 + JSON_TYPE.length) + 10;
  if (shape.depth + RESULTS_FRAME_EXTRA_DEPTH <= limits.maxDepth && bytes <= limits.maxBytes) {
    return { frame, bytes, entries: shape.entries + 2 + 8 };
  }
  return lightResultFrame(id, new CallResponse(200, [], value), options);
}

/** What `Response.json(value)` would put on the wire, read back: the JSON round trip. */
function normalise(value: unknown): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('Value is not JSON serializable');
  return JSON.parse(text);
}

function hasHeader(headers: ReadonlyArray<readonly [string, string]>, name: string): boolean {
  for (const [key] of headers) if (key === name) return true;
  return false;
}

function frameTooLarge(limit: number): WirepackError {
  return new WirepackError('FRAME_TOO_LARGE', `the sub-response body exceeds the limit of ${limit} bytes`);
}
