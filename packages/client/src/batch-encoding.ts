import type { Body, HeaderList, SubRequest } from '@wirepack/protocol';
import type { OutgoingRequest } from './outgoing-request.ts';

/**
 * Upper bound of the envelope around the calls: array header, version, a batch id of up to 128
 * characters (ours are 22), the calls array header.
 */
export const BATCH_OVERHEAD_BYTES = 150;

/** The sub-request a call becomes inside a batch. */
export function toSubRequest(request: OutgoingRequest, id: number): SubRequest {
  return {
    id,
    method: request.method,
    path: request.url.pathname + request.url.search,
    headers: request.headers,
    body: request.body,
    priority: request.priority,
  };
}

/**
 * An upper bound of a call's encoded size, so `maxBatchBytes` can split batches without
 * encoding twice: every string and binary counts its UTF-8 length plus a 5-byte header (the
 * largest MessagePack str/bin header), every scalar 9 bytes. A JSON value is bounded by its
 * JSON text plus headers per nested value.
 */
export function estimateCallBytes(request: OutgoingRequest): number {
  let size = 1 + 5 + 9 + 5 + 9 + 9; // tuple header, id, method header, body kind, priority
  size += utf8Bytes(request.method) + 5;
  size += utf8Bytes(request.url.pathname) + utf8Bytes(request.url.search) + 5;
  size += headersBytes(request.headers);
  size += bodyBytes(request.body);
  return size;
}

function headersBytes(headers: HeaderList): number {
  let size = 5;
  for (const [name, value] of headers) size += utf8Bytes(name) + utf8Bytes(value) + 10;
  return size;
}

function bodyBytes(body: Body): number {
  if (body.kind === 'bytes') return body.bytes.length + 5;
  if (body.kind === 'none') return 1;
  // MessagePack never takes more than 2.25x the JSON text: the worst case is a short float such as
  // `1.5,` (4 characters) becoming a 9-byte float64; strings, keys, integers and containers shrink.
  const text = JSON.stringify(body.value) ?? 'null';
  return utf8Bytes(text) * 3;
}

/** UTF-8 length without encoding: ASCII strings (nearly every path and header) cost one pass. */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
      continue;
    }
    // 3 bytes for one unit, and for a lone surrogate (encoded as U+FFFD); a surrogate pair is
    // 4 bytes for its 2 units.
    bytes += 2;
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
  }
  return bytes;
}
