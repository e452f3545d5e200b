import { BATCH_MEDIA_TYPE, PROBLEM_MEDIA_TYPE } from '@wirepack/protocol';
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.ts';
import { batchRequest, collectFrames, ORIGIN, resultsById } from '../../src/test-support/batch.ts';

// Issue 9, item 1: a record definition with a 65,000-byte key, then one-byte uses of it. The batch was
// small enough for every wire limit, and the app was handed the records as JSON text (73 KB became
// 248 MiB). Now the scan charges each use its key bytes: refused with a 413 before msgpackr builds
// anything, and the app never sees it.

const BATCH_ID = 'recordbombrecordbomb01';
const text = (value: string): number[] => [0xa0 | value.length, ...new TextEncoder().encode(value)];

/**
 * `[1, batchId, calls]` of `calls` calls `[id, 'POST', '/api/sink', [], 2, body, 1]`, each JSON body an
 * array of `objects` records of one shape, `{ "kkk...k" (65,000 bytes): 1 }`, written as msgpackr
 * writes them: the first call's first object is the definition `d4 72 40 [key] 01`, every other
 * object of every call is `40 01` (the definition holds for the whole message).
 */
function bomb(calls: number, objects: number): Uint8Array {
  const key = [0xda, 65_000 >> 8, 65_000 & 0xff, ...new Uint8Array(65_000).fill(0x6b)];
  const bytes = [0x93, 0x01, ...text(BATCH_ID), 0xdc, calls >> 8, calls & 0xff];
  for (let id = 0; id < calls; id++) {
    bytes.push(
      0x97,
      id,
      ...text('POST'),
      ...text('/api/sink'),
      0x90,
      0x02,
      0xdc,
      objects >> 8,
      objects & 0xff,
    );
    let i = 0;
    if (id === 0) {
      bytes.push(0xd4, 0x72, 0x40, 0x91, ...key, 0x01);
      i = 1;
    }
    for (; i < objects; i++) bytes.push(0x40, 0x01);
    bytes.push(0x01);
  }
  return Uint8Array.from(bytes);
}

function post(bytes: Uint8Array): Request {
  return new Request(`${ORIGIN}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

function setup(limits: Parameters<typeof createBatchHandler>[0]['limits'] = {}) {
  const seen: number[] = [];
  const handler = createBatchHandler({
    limits,
    onError: () => {},
    fetch: async (request) => {
      seen.push((await request.text()).length);
      return Response.json({ ok: true });
    },
  });
  return { handler, seen };
}

describe('record bombs', () => {
  it('at the default limits, 67 KB standing for 78 MB of JSON is refused: 413 EXPANSION_TOO_LARGE', async () => {
    const { handler, seen } = setup();
    // 12 calls of 100 objects: each call is 6.5 MB written out, under maxCallBytes; the batch is 78 MB.
    const bytes = bomb(12, 100);
    expect(bytes.byteLength).toBeLessThan(70_000);
    const response = await handler(post(bytes));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe(PROBLEM_MEDIA_TYPE);
    expect(await response.json()).toMatchObject({ code: 'EXPANSION_TOO_LARGE', status: 413 });
    expect(seen).toStrictEqual([]);
    // The server stays up: the next honest batch runs.
    const next = await handler(batchRequest([{ id: 1, path: '/api/x' }]));
    expect(resultsById(await collectFrames(next)).get(1)?.status).toBe(200);
  });

  it('one call past maxCallBytes is refused with 413 CALL_TOO_LARGE, though the batch is within its limit', async () => {
    const { handler, seen } = setup({ maxCallBytes: 1_000_000 });
    const response = await handler(post(bomb(2, 100))); // 6.5 MB a call once written out
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'CALL_TOO_LARGE' });
    expect(seen).toStrictEqual([]);
  });

  it('honest record-encoded bodies of the same shape still reach the app whole', async () => {
    const { handler, seen } = setup();
    const body = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user ${i}`, active: true }));
    // encodeBatchRequest writes records, as the client does: 2,000 uses of one definition.
    const response = await handler(
      batchRequest([{ id: 1, method: 'POST', path: '/api/sink', body: { kind: 'json', value: body } }]),
    );
    expect(resultsById(await collectFrames(response)).get(1)?.status).toBe(200);
    expect(seen).toStrictEqual([JSON.stringify(body).length]);
  });
});
