import { ChunkQueue } from './chunk-queue.ts';
import { decodeValue, encodeWithPrefix } from './codec.ts';
import { BodyKind, FRAME_HEADER_BYTES, FrameKind } from './constants.ts';
import type { Body } from './envelope.ts';
import { bodyKindName, bodyPayload, expectTuple, invalid, readBody } from './envelope.ts';
import { isWirepackErrorCode, WirepackError, type WirepackErrorCode } from './errors.ts';
import { flattenHeaders, type HeaderList, readHeaders } from './headers.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.ts';

/** A sub-response. Wire form: `[0, id, status, headers, bodyKind, body]`. */
export interface ResultFrame {
  readonly kind: 'result';
  readonly id: number;
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Body;
}

/** A sub-request that produced no response. Wire form: `[1, id, code, message]`. */
export interface ErrorFrame {
  readonly kind: 'error';
  readonly id: number;
  readonly code: WirepackErrorCode;
  readonly message: string;
}

/**
 * The last frame of a successful batch. Wire form: `[2, timing]`, where timing maps metric names
 * to numbers (durations in milliseconds), e.g. `{ total: 12.5, queue: 0.3, calls: 40 }`.
 */
export interface EndFrame {
  readonly kind: 'end';
  readonly timing: Readonly<Record<string, number>>;
}

/** The batch failed after its response started; every call without a frame fails with it. Wire form: `[3, code, message]`. */
export interface FatalFrame {
  readonly kind: 'fatal';
  readonly code: WirepackErrorCode;
  readonly message: string;
}

/** Any response frame. */
export type Frame = ResultFrame | ErrorFrame | EndFrame | FatalFrame;

/** Encodes one frame with its 4-byte big-endian length prefix. */
export function encodeFrame(frame: Frame): Uint8Array {
  let message: unknown[];
  switch (frame.kind) {
    case 'result':
      message = [FrameKind.Result, ...resultTuple(frame)];
      break;
    case 'error':
      message = [FrameKind.Error, frame.id, frame.code, frame.message];
      break;
    case 'end':
      message = [FrameKind.End, frame.timing];
      break;
    case 'fatal':
      message = [FrameKind.Fatal, frame.code, frame.message];
      break;
  }
  return encodeFramed(message);
}

/**
 * Encodes several results as one frame, `[4, [[id, status, headers, bodyKind, body], ...]]`: one
 * length prefix and one MessagePack message for results that are ready together, so they share
 * record definitions and framing. Readers yield each result as its own {@link ResultFrame}.
 */
export function encodeResultsFrame(results: readonly ResultFrame[]): Uint8Array {
  if (results.length === 1) return encodeFrame(results[0] as ResultFrame);
  return encodeFramed([FrameKind.Results, results.map(resultTuple)]);
}

function resultTuple(frame: ResultFrame): unknown[] {
  return [
    frame.id,
    frame.status,
    flattenHeaders(frame.headers),
    BodyKind[bodyKindName(frame.body)],
    bodyPayload(frame.body),
  ];
}

/** Encodes a frame message after its 4-byte big-endian length, copying the bytes once. */
function encodeFramed(message: unknown[]): Uint8Array {
  const out = encodeWithPrefix(message, FRAME_HEADER_BYTES);
  new DataView(out.buffer, out.byteOffset, FRAME_HEADER_BYTES).setUint32(0, out.length - FRAME_HEADER_BYTES);
  return out;
}

/**
 * Decodes one frame payload (without its length prefix) into its frames: one, or one per result
 * for a results frame. Throws only {@link WirepackError}.
 */
export function decodeFrameMessage(
  payload: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Frame[] {
  const message = decodeValue(payload, limits);
  if (!Array.isArray(message) || message.length === 0) invalid('a frame must be a non-empty array');
  switch (message[0]) {
    case FrameKind.Result:
      return [readResult(expectTuple(message, 6, 'result frame'), 1)];
    case FrameKind.Results: {
      const [, results] = expectTuple(message, 2, 'results frame');
      if (!Array.isArray(results) || results.length === 0) invalid('a results frame holds a non-empty list');
      return results.map((result: unknown) =>
        readResult(expectTuple(result, 5, 'result in a results frame'), 0),
      );
    }
    case FrameKind.Error: {
      const [, id, code, text] = expectTuple(message, 4, 'error frame');
      expectId(id);
      return [{ kind: 'error', id, code: expectCode(code), message: expectText(text) }];
    }
    case FrameKind.End: {
      const [, timing] = expectTuple(message, 2, 'end frame');
      if (timing === null || typeof timing !== 'object' || Array.isArray(timing)) {
        invalid('end frame timing must be a map');
      }
      for (const value of Object.values(timing)) {
        if (typeof value !== 'number') invalid('end frame timing values must be numbers');
      }
      return [{ kind: 'end', timing: timing as Record<string, number> }];
    }
    case FrameKind.Fatal: {
      const [, code, text] = expectTuple(message, 3, 'fatal frame');
      return [{ kind: 'fatal', code: expectCode(code), message: expectText(text) }];
    }
    default:
      return invalid(`unknown frame kind ${String(message[0])}`);
  }
}

/** Reads `[id, status, headers, bodyKind, body]` starting at `offset` of a tuple. */
function readResult(tuple: unknown[], offset: number): ResultFrame {
  const id = tuple[offset];
  const status = tuple[offset + 1];
  expectId(id);
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    invalid(`frame ${id}: status must be an integer from 200 to 599`);
  }
  return {
    kind: 'result',
    id,
    status,
    headers: readHeaders(tuple[offset + 2], `frame ${id}`),
    body: readBody(tuple[offset + 3], tuple[offset + 4], `frame ${id}`),
  };
}

/** Options of {@link readFrames}. */
export interface ReadFramesOptions {
  /**
   * Largest frame payload accepted; checked from the length prefix before anything is allocated.
   * @default limits.maxBytes
   */
  readonly maxFrameBytes?: number;
  /** Limits for decoding each frame payload. @default DEFAULT_DECODE_LIMITS */
  readonly limits?: DecodeLimits;
}

/**
 * Reads frames from a response body as they arrive. It holds at most one frame plus the chunk it
 * came in, checks each length prefix against the limit before allocating, and ends after the
 * end or fatal frame. A stream that ends before that ends in a TRUNCATED error; bytes after the
 * last frame are MALFORMED. Throws only {@link WirepackError} (stream read errors become NETWORK).
 * Breaking out of the loop cancels the stream.
 */
export async function* readFrames(
  stream: ReadableStream<Uint8Array>,
  options: ReadFramesOptions = {},
): AsyncGenerator<Frame, void, undefined> {
  for await (const group of readFrameGroups(stream, options)) yield* group;
}

/**
 * {@link readFrames}, one array per message: a results frame's results come as one array, so a
 * reader settles a hundred calls in one step instead of one `await` each. Same checks and errors.
 */
export async function* readFrameGroups(
  stream: ReadableStream<Uint8Array>,
  options: ReadFramesOptions = {},
): AsyncGenerator<readonly Frame[], void, undefined> {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  const maxFrameBytes = options.maxFrameBytes ?? limits.maxBytes;
  const reader = stream.getReader();
  const buffer = new ChunkQueue();
  let finished = false;
  let drained = false;
  try {
    for (;;) {
      // Parse every complete frame already buffered before reading more.
      while (!finished && buffer.length >= FRAME_HEADER_BYTES) {
        const length = buffer.peekUint32();
        if (length > maxFrameBytes) {
          throw new WirepackError(
            'FRAME_TOO_LARGE',
            `frame of ${length} bytes exceeds the limit of ${maxFrameBytes}`,
          );
        }
        if (buffer.length < FRAME_HEADER_BYTES + length) break;
        buffer.skip(FRAME_HEADER_BYTES);
        const group = decodeFrameMessage(buffer.take(length), limits);
        for (const frame of group) if (frame.kind === 'end' || frame.kind === 'fatal') finished = true;
        yield group;
      }
      if (finished && buffer.length > 0) throw new WirepackError('MALFORMED', 'bytes after the last frame');
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw new WirepackError('NETWORK', `the response stream failed: ${describe(error)}`, {
          cause: error,
        });
      }
      if (chunk.done) {
        if (finished) {
          drained = true;
          return;
        }
        throw new WirepackError('TRUNCATED', 'the response stream ended before its end frame');
      }
      if (chunk.value.length > 0) {
        if (finished) throw new WirepackError('MALFORMED', 'bytes after the last frame');
        buffer.push(chunk.value);
      }
    }
  } finally {
    // Release the stream when we failed or the consumer stopped early. A stream read to its end needs
    // neither: cancelling it does nothing, and releaseLock makes an error object every time.
    if (!drained) {
      reader.cancel().catch(() => {
        // Cancelling an already-closed or errored stream rejects; nothing is left to release.
      });
      reader.releaseLock();
    }
  }
}

function expectId(id: unknown): asserts id is number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
    invalid('frame id must be an unsigned 32-bit integer');
  }
}

function expectCode(code: unknown): WirepackErrorCode {
  if (!isWirepackErrorCode(code)) invalid(`unknown error code ${String(code)}`);
  return code;
}

function expectText(text: unknown): string {
  if (typeof text !== 'string') invalid('error message must be a string');
  return text;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
