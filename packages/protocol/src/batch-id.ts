/**
 * A new unguessable batch id: 128 random bits as 22 base64url characters. The id names the batch in
 * cancel messages, so it doubles as the capability to cancel (see `BatchRequest.batchId`).
 */
export function createBatchId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
