import type { BrotliEncoder, RequestCompression } from './options.ts';
import { detectRuntime } from './runtime.ts';

/** A content coding the client can write. */
export type ContentCoding = 'gzip' | 'br';

/** A batch body ready to send, and the coding it is in. */
export interface EncodedBody {
  readonly bytes: Uint8Array;
  readonly coding: ContentCoding | undefined;
}

/**
 * Chooses and applies the Content-Encoding of batch bodies. In `'auto'` mode it compresses only
 * with codings the server advertised in an `Accept-Encoding` response header (RFC 7694 §3), so
 * a server that reads only identity bodies never sees anything else; brotli (opt-in, `loadBrotli`) is preferred once
 * its encoder has loaded in the background (the batch that first wants it goes out in gzip or
 * uncompressed instead of waiting for 1 MB of WebAssembly). A 415 UNSUPPORTED_ENCODING answer
 * turns a coding off for good (`refuse`).
 */
export class RequestCompressor {
  private readonly accepted = new Set<ContentCoding>();
  private readonly refused = new Set<ContentCoding>();
  private brotli: BrotliEncoder | undefined;
  private brotliLoading: Promise<BrotliEncoder | undefined> | undefined;

  constructor(
    private readonly mode: RequestCompression,
    private readonly minBytes: number,
    /** Undefined: brotli is off (opt-in, so the app's build carries no brotli-wasm). */
    private readonly loadBrotli: (() => Promise<BrotliEncoder>) | undefined,
  ) {}

  /** Records the codings a batch response says the server accepts. */
  noteAcceptEncoding(header: string | null): void {
    if (this.mode !== 'auto' || header === null) return;
    for (const part of header.toLowerCase().split(',')) {
      const [coding, ...params] = part.split(';').map((piece) => piece.trim());
      if (coding !== 'gzip' && coding !== 'br') continue;
      if (params.some((param) => /^q=0(\.0*)?$/.test(param))) continue; // q=0: not acceptable
      this.accepted.add(coding);
    }
  }

  /** Stops using a coding after the server refused it. */
  refuse(coding: ContentCoding): void {
    this.refused.add(coding);
  }

  /** The body in the best coding available now (identity when small or nothing is accepted). */
  async encode(bytes: Uint8Array): Promise<EncodedBody> {
    if (this.mode === false || bytes.length < this.minBytes) return { bytes, coding: undefined };
    if (this.wants('br')) {
      const brotli = this.mode === 'br' ? await this.loadBrotliOnce() : this.brotliNow();
      if (brotli !== undefined) return { bytes: brotli.compress(bytes, { quality: 5 }), coding: 'br' };
    }
    if (this.wants('gzip') && detectRuntime().gzip) return { bytes: await gzip(bytes), coding: 'gzip' };
    return { bytes, coding: undefined };
  }

  private wants(coding: ContentCoding): boolean {
    if (this.refused.has(coding)) return false;
    if (coding === 'br' && this.loadBrotli === undefined) return false;
    if (this.mode === 'auto') return this.accepted.has(coding);
    return this.mode === coding;
  }

  /** The brotli encoder if loaded; otherwise starts loading it and answers `undefined`. */
  private brotliNow(): BrotliEncoder | undefined {
    if (this.brotli === undefined) void this.loadBrotliOnce();
    return this.brotli;
  }

  private loadBrotliOnce(): Promise<BrotliEncoder | undefined> {
    const load = this.loadBrotli ?? (() => Promise.reject(new Error('no brotli encoder')));
    this.brotliLoading ??= load().then(
      (encoder) => {
        this.brotli = encoder;
        return encoder;
      },
      () => {
        // No brotli here (e.g. brotli-wasm's web build cannot fetch its .wasm in Node): use the
        // next best coding from now on rather than fail batches.
        this.refused.add('br');
        return undefined;
      },
    );
    return this.brotliLoading;
  }
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
