import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Store keys: SHA-256 of the URL (and, for a `Vary` variant, of the names and the request's values
 * for them), base64url. Hashing keeps keys short whatever the URL, makes them safe for any store's
 * key syntax, and keeps credentials a response varies on (`Vary: Authorization`) out of the store's
 * key space. `v1` versions the entry format: a change of format starts a fresh key space.
 *
 * The hash is synchronous (@noble/hashes, audited, portable) on purpose: `crypto.subtle.digest`
 * resolves on the thread pool, one macrotask per call, so the calls of one batch reached the app on
 * different ticks and its batch-scoped DataLoader ran one query per call instead of one per batch
 * (test/regression/cache-keeps-batch-loader.test.ts). A key of a short URL costs about 6 us here
 * (measured on a loaded 2-core machine), against a database round trip per call saved.
 */
export function primaryKey(url: string): string {
  return `v1:${digest(`GET ${url}`)}`;
}

/** The key of one variant of a URL whose responses carry `Vary`. */
export function secondaryKey(
  url: string,
  names: readonly string[],
  values: readonly (string | null)[],
): string {
  // JSON keeps null (absent) apart from "" (empty) and cannot be confused by commas in values.
  return `v1:${digest(`GET ${url}\n${JSON.stringify(names)}\n${JSON.stringify(values)}`)}`;
}

const encoder = new TextEncoder();

function digest(text: string): string {
  const bytes = sha256(encoder.encode(text));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
