import { WirepackError } from '@wirepack/protocol';
import type { CodecFactory } from './options.ts';

/** Limits and decoders for {@link readBody}. */
export interface ReadBodyOptions {
  /** Most bytes as received (before undoing Content-Encoding): BODY_TOO_LARGE past it. */
  readonly maxBytes: number;
  /** Most bytes after undoing Content-Encoding: DECOMPRESSED_TOO_LARGE past it. */
  readonly maxDecodedBytes: number;
  /** Decoders by Content-Encoding token, beyond the built-in gzip and deflate. */
  readonly decoders: Readonly<Record<string, CodecFactory>>;
  /** Milliseconds the body may take before BODY_TIMEOUT, on top of what its bytes earn at `minBytesPerSecond`. */
  readonly timeoutMs: number;
  /** Each byte received (as sent, before decoding) extends the deadline by 1/minBytesPerSecond seconds. */
  readonly minBytesPerSecond: number;
}

/** A body read in full, with the byte count as received. */
export interface ReadBodyResult {
  readonly bytes: Uint8Array;
  readonly received: number;
}

const MAX_CODINGS = 2;

/**
 * Reads a request body while counting: the received bytes against `maxBytes` (so a 10 GB upload is
 * refused after 8 MiB, not after it has been buffered) and, when the body is compressed, the inflated
 * bytes against `maxDecodedBytes` (a 10 KB gzip bomb that inflates to 10 GB stops at the cap). Reading
 * stops, and the stream is cancelled, at the first byte past a limit. Throws only WirepackError.
 *
 * The body also has a deadline: `timeoutMs` from the start, extended by every byte received at
 * `minBytesPerSecond` (a minimum rate, as nginx's `client_body_timeout` and Apache's
 * mod_reqtimeout `MinRate` do it), so a large upload over a slow link passes while a client that
 * trickles one byte a second (slowloris) is cut off after `timeoutMs` with BODY_TIMEOUT (408).
 * One timer per body, re-armed only when it fires early.
 */
export async function readBody(request: Request, options: ReadBodyOptions): Promise<ReadBodyResult> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > options.maxBytes) {
    throw new WirepackError(
      'BODY_TOO_LARGE',
      `body of ${declared} bytes exceeds the limit of ${options.maxBytes}`,
    );
  }
  const codings = parseCodings(request.headers.get('content-encoding'));
  const decoders = codings.map((coding) => decoderFor(coding, options.decoders));
  if (request.body === null) return { bytes: new Uint8Array(0), received: 0 };

  let received = 0;
  let total = 0;
  let stream: ReadableStream<Uint8Array> = request.body;
  if (decoders.length > 0) {
    // Count the compressed bytes as they flow into the decoders.
    stream = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received > options.maxBytes) {
            controller.error(tooLarge(options.maxBytes));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    // Content-Encoding lists codings in the order they were applied: undo them last to first.
    for (const decoder of decoders.reverse()) stream = stream.pipeThrough(decoder());
  }
  const limit = decoders.length > 0 ? options.maxDecodedBytes : options.maxBytes;
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  const deadline = new BodyDeadline(options, () => (decoders.length > 0 ? received : total), reader);
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw deadline.error ?? readFailure(error, codings);
      }
      // Cancelling the reader on the deadline ends a pending read as if the body were complete.
      if (deadline.error !== undefined) throw deadline.error;
      if (result.done) break;
      total += result.value.byteLength;
      if (total > limit) {
        throw decoders.length > 0
          ? new WirepackError(
              'DECOMPRESSED_TOO_LARGE',
              `body inflates past the limit of ${options.maxDecodedBytes} bytes`,
            )
          : tooLarge(options.maxBytes);
      }
      chunks.push(result.value);
    }
  } catch (error) {
    reader.cancel(error).catch(() => {
      // The stream has already failed or the client left: nothing more to release.
    });
    reader.releaseLock();
    throw error;
  } finally {
    deadline.stop();
  }
  // A body read to its end keeps its lock: nothing else can read it, and releaseLock makes an error
  // object every time (the reader's rejected closed promise), whose stack Node formats at once, with
  // source maps where they are on: 3.6% of the server's busy time in bench:batching (issue 11).

  if (decoders.length === 0) received = total;
  return { bytes: concat(chunks, total), received };
}

/**
 * The deadline of one body read: `timeoutMs` plus what the bytes received so far earn at the minimum
 * rate. When it passes, the reader is cancelled (which ends a pending read) and `error` is set.
 */
class BodyDeadline {
  error: WirepackError | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly startedAt = performance.now();

  constructor(
    private readonly options: ReadBodyOptions,
    private readonly received: () => number,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const { timeoutMs, minBytesPerSecond } = this.options;
    const due = this.startedAt + timeoutMs + (this.received() * 1000) / minBytesPerSecond;
    const wait = due - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.arm(), Math.ceil(wait));
      return;
    }
    this.timer = undefined;
    this.error = new WirepackError(
      'BODY_TIMEOUT',
      `the request body did not arrive within ${timeoutMs} ms (plus 1 s per ${minBytesPerSecond} bytes received)`,
    );
    this.reader.cancel(this.error).catch(() => {
      // The stream has already failed or the client left: nothing more to release.
    });
  }
}

function tooLarge(limit: number): WirepackError {
  return new WirepackError('BODY_TOO_LARGE', `body exceeds the limit of ${limit} bytes`);
}

function readFailure(error: unknown, codings: readonly string[]): WirepackError {
  if (error instanceof WirepackError) return error;
  if (codings.length > 0) {
    return new WirepackError('MALFORMED', `the ${codings.join(', ')} body cannot be decoded`, {
      cause: error,
    });
  }
  return new WirepackError('TRUNCATED', 'the request body ended early', { cause: error });
}

/** The codings of a Content-Encoding header, without `identity`. */
function parseCodings(header: string | null): string[] {
  if (header === null) return [];
  const codings = header
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'identity');
  if (codings.length > MAX_CODINGS) {
    throw new WirepackError('UNSUPPORTED_ENCODING', `more than ${MAX_CODINGS} content codings`);
  }
  return codings;
}

function decoderFor(coding: string, extra: Readonly<Record<string, CodecFactory>>): CodecFactory {
  if (Object.hasOwn(extra, coding)) return extra[coding] as CodecFactory;
  // DecompressionStream is in every current runtime (browsers, workers, Deno, Bun, Node >= 18).
  if (coding === 'gzip' || coding === 'x-gzip') return () => decompressionStream('gzip');
  if (coding === 'deflate') return () => decompressionStream('deflate');
  throw new WirepackError(
    'UNSUPPORTED_ENCODING',
    `Content-Encoding "${coding.slice(0, 32)}" is not accepted (gzip, deflate${Object.keys(extra)
      .map((name) => `, ${name}`)
      .join('')})`,
  );
}

function decompressionStream(format: CompressionFormat): TransformStream<Uint8Array, Uint8Array> {
  // The DOM typings accept any BufferSource on the writable side; we only ever write Uint8Array.
  return new DecompressionStream(format) as unknown as TransformStream<Uint8Array, Uint8Array>;
}

/** Joins chunks read from a stream; one chunk is returned as it is. */
export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
