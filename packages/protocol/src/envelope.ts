import { decodeMessage, decodeValue, encodeValue } from './codec.ts';
import { BodyKind, PROTOCOL_VERSION, PriorityCode } from './constants.ts';
import { WirepackError } from './errors.ts';
import { flattenHeaders, type HeaderList, readHeaders } from './headers.ts';
import type { DecodeLimits } from './limits.ts';
import { DEFAULT_DECODE_LIMITS } from './limits.ts';

/** A sub-request or sub-response body. */
export type Body =
  | { readonly kind: 'none' }
  /** Raw bytes, exactly as they would travel in an unbatched request or response. */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  /**
   * A JSON body carried as a MessagePack value: the other side hands back exactly what
   * `JSON.parse` would have given for the original text (or re-serialises it as JSON text).
   */
  | { readonly kind: 'json'; readonly value: unknown };

/** How urgently a sub-request should run, after the Fetch API's `priority`. */
export type Priority = keyof typeof PriorityCode;

/** One call inside a batch. */
export interface SubRequest {
  /** Unique within the batch; frames refer to it. An unsigned 32-bit integer. */
  readonly id: number;
  /** An HTTP method token, e.g. `GET`. */
  readonly method: string;
  /** A same-origin absolute path with its query, e.g. `/api/users/1?fields=name`. */
  readonly path: string;
  readonly headers: HeaderList;
  readonly body: Body;
  readonly priority: Priority;
}

/** A batch request: what the client POSTs to the batch endpoint. */
export interface BatchRequest {
  /**
   * Chosen by the client, unguessable (at least 128 random bits, as hex or base64url): it names
   * the batch in cancel messages, so it doubles as the capability to cancel.
   */
  readonly batchId: string;
  readonly calls: readonly SubRequest[];
}

/** Asks the server to abort sub-requests of a running batch. */
export interface CancelMessage {
  readonly batchId: string;
  readonly ids: readonly number[];
}

const PRIORITY_BY_CODE: readonly Priority[] = ['high', 'auto', 'low'];
const COMMON_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
const BATCH_ID = /^[A-Za-z0-9_-]{16,128}$/;

/** Encodes a batch request body. Wire form: `[version, batchId, [[id, method, path, headers, bodyKind, body, priority], ...]]`. */
export function encodeBatchRequest(request: BatchRequest): Uint8Array {
  const calls = new Array<unknown[]>(request.calls.length);
  for (let i = 0; i < calls.length; i++) {
    const call = request.calls[i] as SubRequest;
    const { body } = call;
    calls[i] = [
      call.id,
      call.method,
      call.path,
      flattenHeaders(call.headers),
      body.kind === 'bytes' ? BodyKind.Bytes : body.kind === 'json' ? BodyKind.Json : BodyKind.None,
      body.kind === 'bytes' ? body.bytes : body.kind === 'json' ? body.value : null,
      PriorityCode[call.priority],
    ];
  }
  return encodeValue([PROTOCOL_VERSION, request.batchId, calls]);
}

/**
 * Decodes and validates a batch request body. Throws only {@link WirepackError}: the decode
 * limits' codes, TOO_MANY_CALLS past `maxCalls`, and CALL_TOO_LARGE when one call takes more
 * than `maxCallBytes` with its records written out as maps (checked while scanning, before
 * anything is built; see scan.ts).
 */
export function decodeBatchRequest(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  maxCalls: number = Number.POSITIVE_INFINITY,
  maxCallBytes: number = Number.POSITIVE_INFINITY,
): BatchRequest {
  const message = decodeMessage(bytes, limits, maxCallBytes);
  const [version, batchId, rawCalls] = expectTuple(message, 3, 'batch request');
  expectVersion(version);
  if (typeof batchId !== 'string' || !BATCH_ID.test(batchId))
    invalid('batch id must be 16-128 base64url characters');
  if (!Array.isArray(rawCalls)) invalid('calls must be an array');
  if (rawCalls.length > maxCalls) {
    throw new WirepackError('TOO_MANY_CALLS', `batch has ${rawCalls.length} calls; the limit is ${maxCalls}`);
  }
  const seen = new Set<number>();
  const calls = rawCalls.map((raw, index): SubRequest => {
    const [id, method, path, headers, bodyKind, body, priority] = expectTuple(raw, 7, `call ${index}`);
    if (!isCallId(id)) invalid(`call ${index}: id must be an unsigned 32-bit integer`);
    if (seen.has(id)) invalid(`call ${index}: id ${id} is used twice`);
    seen.add(id);
    if (typeof method !== 'string' || !(COMMON_METHODS.has(method) || METHOD_TOKEN.test(method))) {
      invalid(`call ${id}: invalid method`);
    }
    if (typeof path !== 'string') invalid(`call ${id}: path must be a string`);
    const priorityName = typeof priority === 'number' ? PRIORITY_BY_CODE[priority] : undefined;
    if (priorityName === undefined) invalid(`call ${id}: unknown priority`);
    return {
      id,
      method,
      path,
      headers: readHeaders(headers, `call ${id}`),
      body: readBody(bodyKind, body, `call ${id}`),
      priority: priorityName,
    };
  });
  return { batchId, calls };
}

/** Encodes a cancel message body. Wire form: `[version, batchId, [id, ...]]`. */
export function encodeCancelMessage(message: CancelMessage): Uint8Array {
  return encodeValue([PROTOCOL_VERSION, message.batchId, message.ids]);
}

/** Decodes and validates a cancel message body. Throws only {@link WirepackError}. */
export function decodeCancelMessage(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): CancelMessage {
  const [version, batchId, ids] = expectTuple(decodeValue(bytes, limits), 3, 'cancel message');
  expectVersion(version);
  if (typeof batchId !== 'string' || !BATCH_ID.test(batchId))
    invalid('batch id must be 16-128 base64url characters');
  if (!Array.isArray(ids) || !ids.every(isCallId)) invalid('cancel ids must be unsigned 32-bit integers');
  return { batchId, ids };
}

// --- shared with frames.ts -------------------------------------------------------------------

/** @internal The wire kind name of a body. */
export function bodyKindName(body: Body): 'None' | 'Bytes' | 'Json' {
  return body.kind === 'bytes' ? 'Bytes' : body.kind === 'json' ? 'Json' : 'None';
}

/** @internal What a body puts on the wire after its kind. */
export function bodyPayload(body: Body): unknown {
  return body.kind === 'bytes' ? body.bytes : body.kind === 'json' ? body.value : null;
}

/** @internal Reads a wire body back. */
export function readBody(kind: unknown, payload: unknown, where: string): Body {
  switch (kind) {
    case BodyKind.None:
      if (payload !== null) invalid(`${where}: a body of kind none must be nil`);
      return NO_BODY;
    case BodyKind.Bytes:
      if (!(payload instanceof Uint8Array)) invalid(`${where}: a body of kind bytes must be binary`);
      return { kind: 'bytes', bytes: payload };
    case BodyKind.Json:
      if (payload instanceof Uint8Array || payload instanceof Date) {
        invalid(`${where}: a JSON body holds only JSON values`);
      }
      return { kind: 'json', value: payload };
    default:
      return invalid(`${where}: unknown body kind`);
  }
}

/** The empty body. */
export const NO_BODY: Body = Object.freeze({ kind: 'none' });

/** @internal Checks that a decoded value is an array of exactly `length` items. */
export function expectTuple(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length)
    invalid(`${what} must be an array of ${length} items`);
  return value;
}

/** @internal Throws INVALID_ENVELOPE. */
export function invalid(message: string): never {
  throw new WirepackError('INVALID_ENVELOPE', message);
}

function expectVersion(version: unknown): void {
  if (version !== PROTOCOL_VERSION) {
    throw new WirepackError(
      'UNSUPPORTED_VERSION',
      `format version ${String(version)} is not ${PROTOCOL_VERSION}`,
    );
  }
}

function isCallId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}
