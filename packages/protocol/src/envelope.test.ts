import { describe, expect, test } from 'vitest';
import { createBatchId } from './batch-id.ts';
import { encodeValue } from './codec.ts';
import {
  type BatchRequest,
  decodeBatchRequest,
  decodeCancelMessage,
  encodeBatchRequest,
  encodeCancelMessage,
} from './envelope.ts';
import type { WirepackErrorCode } from './errors.ts';

const batch: BatchRequest = {
  batchId: createBatchId(),
  calls: [
    {
      id: 0,
      method: 'GET',
      path: '/api/users/1?fields=name',
      headers: [['accept', 'application/json']],
      body: { kind: 'none' },
      priority: 'auto',
    },
    {
      id: 1,
      method: 'POST',
      path: '/api/orders',
      headers: [['content-type', 'application/json']],
      body: { kind: 'json', value: { items: [{ sku: 'A-1', qty: 2 }], note: null } },
      priority: 'high',
    },
    {
      id: 2,
      method: 'PUT',
      path: '/api/blob',
      headers: [],
      body: { kind: 'bytes', bytes: Uint8Array.of(1, 2, 3) },
      priority: 'low',
    },
  ],
};

function codeOf(run: () => unknown): WirepackErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as { code: WirepackErrorCode }).code;
  }
}

describe('batch requests', () => {
  test('round-trip', () => {
    const decoded = decodeBatchRequest(encodeBatchRequest(batch));
    expect(decoded.batchId).toBe(batch.batchId);
    expect(decoded.calls.map(({ body, ...rest }) => rest)).toStrictEqual(
      batch.calls.map(({ body, ...rest }) => rest),
    );
    expect(decoded.calls[1]?.body).toStrictEqual(batch.calls[1]?.body);
    const bytes = decoded.calls[2]?.body;
    expect(bytes?.kind === 'bytes' && Array.from(bytes.bytes)).toStrictEqual([1, 2, 3]);
  });

  test('nothing of the batch needs a URL: the envelope is the whole request', () => {
    // The wire form is positional: a stranger can read it with any MessagePack decoder.
    const call = batch.calls[0];
    const wire = encodeValue([
      1,
      batch.batchId,
      [[0, 'GET', call?.path, ['accept', 'application/json'], 0, null, 1]],
    ]);
    expect(decodeBatchRequest(wire).calls[0]?.path).toBe(call?.path);
  });

  test('too many calls is TOO_MANY_CALLS, checked before the calls are read', () => {
    expect(codeOf(() => decodeBatchRequest(encodeBatchRequest(batch), undefined, 2))).toBe('TOO_MANY_CALLS');
  });

  test.each([
    ['another version', [2, 'a'.repeat(22), []], 'UNSUPPORTED_VERSION'],
    ['not a tuple', { v: 1 }, 'INVALID_ENVELOPE'],
    ['a short batch id', [1, 'abc', []], 'INVALID_ENVELOPE'],
    [
      'a duplicate call id',
      [
        1,
        'a'.repeat(22),
        [
          [1, 'GET', '/', [], 0, null, 1],
          [1, 'GET', '/', [], 0, null, 1],
        ],
      ],
      'INVALID_ENVELOPE',
    ],
    ['a method with a space', [1, 'a'.repeat(22), [[1, 'G T', '/', [], 0, null, 1]]], 'INVALID_ENVELOPE'],
    ['an unknown priority', [1, 'a'.repeat(22), [[1, 'GET', '/', [], 0, null, 7]]], 'INVALID_ENVELOPE'],
    ['a none body with data', [1, 'a'.repeat(22), [[1, 'GET', '/', [], 0, 'x', 1]]], 'INVALID_ENVELOPE'],
    [
      'a bytes body that is a string',
      [1, 'a'.repeat(22), [[1, 'GET', '/', [], 1, 'x', 1]]],
      'INVALID_ENVELOPE',
    ],
    [
      'a header value that is a number',
      [1, 'a'.repeat(22), [[1, 'GET', '/', ['a', 1], 0, null, 1]]],
      'INVALID_ENVELOPE',
    ],
    ['a fractional id', [1, 'a'.repeat(22), [[1.5, 'GET', '/', [], 0, null, 1]]], 'INVALID_ENVELOPE'],
  ])('%s is refused with %s', (_name, message, code) => {
    expect(codeOf(() => decodeBatchRequest(encodeValue(message)))).toBe(code);
  });
});

describe('cancel messages', () => {
  test('round-trip', () => {
    const message = { batchId: createBatchId(), ids: [3, 9] };
    expect(decodeCancelMessage(encodeCancelMessage(message))).toStrictEqual(message);
  });

  test('ids must be call ids', () => {
    expect(codeOf(() => decodeCancelMessage(encodeValue([1, 'a'.repeat(22), ['x']])))).toBe(
      'INVALID_ENVELOPE',
    );
  });
});

test('batch ids are 22 base64url characters and do not repeat', () => {
  const ids = new Set(Array.from({ length: 1000 }, createBatchId));
  expect(ids.size).toBe(1000);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
});
