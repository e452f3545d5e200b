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
}

/** The default {@link DecodeLimits}: generous for real APIs, small enough to refuse abuse. */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 8 * 1024 * 1024,
  maxDepth: 64,
  maxEntries: 1_000_000,
  maxStringBytes: 8 * 1024 * 1024,
  maxBinaryBytes: 8 * 1024 * 1024,
});

/** Fills unset limits from the defaults and rejects impossible values with a TypeError. */
export function resolveDecodeLimits(limits: Partial<DecodeLimits> = {}): DecodeLimits {
  const resolved = { ...DEFAULT_DECODE_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(
        `[wirepack/protocol] limits.${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  return resolved;
}
