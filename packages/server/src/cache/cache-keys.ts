/**
 * Store keys: SHA-256 of the URL (and, for a `Vary` variant, of the names and the request's values
 * for them), base64url. Hashing keeps keys short whatever the URL, makes them safe for any store's
 * key syntax, and keeps credentials a response varies on (`Vary: Authorization`) out of the store's
 * key space. `v1` versions the entry format: a change of format starts a fresh key space.
 */
export async function primaryKey(url: string): Promise<string> {
  return `v1:${await sha256(`GET ${url}`)}`;
}

/** The key of one variant of a URL whose responses carry `Vary`. */
export async function secondaryKey(
  url: string,
  names: readonly string[],
  values: readonly (string | null)[],
): Promise<string> {
  // JSON keeps null (absent) apart from "" (empty) and cannot be confused by commas in values.
  return `v1:${await sha256(`GET ${url}\n${JSON.stringify(names)}\n${JSON.stringify(values)}`)}`;
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
