import { createHash } from 'node:crypto';

/**
 * The two digests every output file gets, in the formats they are used in: `hash` for change
 * detection and cache keys, `integrity` for Subresource Integrity
 * (https://www.w3.org/TR/SRI/#the-integrity-attribute: `sha384-<base64>`).
 */
export interface Fingerprint {
  /** `sha256-<base64>` of the bytes. */
  readonly hash: string;
  /** `sha384-<base64>` of the bytes, a valid SRI `integrity` value. */
  readonly integrity: string;
  /** The SHA-256 digest as lower-case hex: the content part of cache keys. */
  readonly sha256Hex: string;
}

/** Computes the SHA-256 and SHA-384 digests of some bytes. */
export function fingerprint(bytes: Uint8Array): Fingerprint {
  const sha256 = createHash('sha256').update(bytes).digest();
  return {
    hash: `sha256-${sha256.toString('base64')}`,
    integrity: sriIntegrity(bytes),
    sha256Hex: sha256.toString('hex'),
  };
}

/** `sha384-<base64>`: the SRI integrity value of some bytes. */
export function sriIntegrity(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** `sha256-<base64>` of some bytes. */
export function sha256Tag(bytes: Uint8Array): string {
  return `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
}
