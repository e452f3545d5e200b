/** Limits applied while decoding MessagePack from the other side. All sizes are in bytes. */
export interface DecodeLimits {
  /**
   * Largest message (a batch request, a cancel message, one frame payload).
   * @default 8_388_608 (8 MiB)
   */
  readonly maxBytes: number;
  /**
   * Deepest nesting of arrays and maps, the envelope included.
   * @default 64
   */
  readonly maxDepth: number;
  /**
   * Most array items plus map entries in one message, counted over every container.
   * @default 1_000_000
   */
  readonly maxEntries: number;
  /**
   * Longest string, in UTF-8 bytes.
   * @default 8_388_608 (8 MiB)
   */
  readonly maxStringBytes: number;
  /**
   * Longest binary value.
   * @default 8_388_608 (8 MiB)
   */
  readonly maxBinaryBytes: number;
  /**
   * Largest size a message may expand to: its bytes with every use of a record written out as a
   * plain map (each use charged its keys' bytes). Records make an object of a known shape cost one
   * byte on the wire whatever its keys, so this, not `maxBytes`, bounds what decoding hands on.
   * When unset, 4 x `maxBytes`.
   * @default 33_554_432 (32 MiB)
   */
  readonly maxExpandedBytes: number;
}

/** The default {@link DecodeLimits}: generous for real APIs, small enough to refuse abuse. */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 8 * 1024 * 1024,
  maxDepth: 64,
  maxEntries: 1_000_000,
  maxStringBytes: 8 * 1024 * 1024,
  maxBinaryBytes: 8 * 1024 * 1024,
  maxExpandedBytes: 32 * 1024 * 1024,
});

/**
 * How much larger than its wire bytes a message may grow when its records are written out, when
 * `maxExpandedBytes` is not set: honest record-encoded data shrinks to about half (see codec.ts),
 * so 4x leaves room while keeping the bound a small multiple of what a client may send.
 */
const EXPANSION_FACTOR = 4;

/** Fills unset limits from the defaults and rejects impossible values with a TypeError. */
export function resolveDecodeLimits(limits: Partial<DecodeLimits> = {}): DecodeLimits {
  const resolved = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (limits.maxExpandedBytes === undefined && limits.maxBytes !== undefined) {
    resolved.maxExpandedBytes = EXPANSION_FACTOR * limits.maxBytes;
  }
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(
        `[wirepack/protocol] limits.${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  return resolved;
}
