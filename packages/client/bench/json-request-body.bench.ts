// Is it worth parsing JSON request bodies on the client so they travel as MessagePack values
// (body kind json) instead of their UTF-8 bytes (body kind bytes)? Measures, for a few typical
// payloads, the encoded size of each form and the CPU on both ends: the client encodes (bytes:
// TextEncoder; value: JSON.parse), the server hands the app its text (bytes: nothing; value:
// JSON.stringify). Prints ratios value/bytes; run: pnpm --filter @wirepack/client bench:json-body
import { encodeBatchRequest } from '@wirepack/protocol';

const payloads: Record<string, unknown> = {
  'small form (5 fields)': {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    age: 36,
    admin: false,
    tags: ['x'],
  },
  'order (20 items)': {
    customer: 4711,
    items: Array.from({ length: 20 }, (_, i) => ({
      sku: `SKU-${1000 + i}`,
      qty: (i % 3) + 1,
      price: 9.99 + i,
    })),
    note: 'leave at the door',
  },
  'bulk (500 numbers)': { ids: Array.from({ length: 500 }, (_, i) => 100000 + i * 7) },
};

const encoder = new TextEncoder();
const calls = 2_000;

function time(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn(); // warm up
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return ((performance.now() - start) * 1000) / calls; // microseconds per call
}

function batchSize(body: { kind: 'bytes'; bytes: Uint8Array } | { kind: 'json'; value: unknown }): number {
  const call = {
    id: 1,
    method: 'POST',
    path: '/api/orders',
    headers: [['content-type', 'application/json']] as const,
    body,
    priority: 'auto' as const,
  };
  return encodeBatchRequest({ batchId: 'AAAAAAAAAAAAAAAAAAAAAA', calls: [call] }).length;
}

console.log(
  'payload | bytes form B | value form B | size value/bytes | client CPU value/bytes | server CPU us (value)',
);
for (const [name, payload] of Object.entries(payloads)) {
  const text = JSON.stringify(payload);
  const asBytes = batchSize({ kind: 'bytes', bytes: encoder.encode(text) });
  const asValue = batchSize({ kind: 'json', value: JSON.parse(text) });
  const clientBytes = time(() =>
    encodeBatchRequest({
      batchId: 'AAAAAAAAAAAAAAAAAAAAAA',
      calls: [
        {
          id: 1,
          method: 'POST',
          path: '/a',
          headers: [],
          body: { kind: 'bytes', bytes: encoder.encode(text) },
          priority: 'auto',
        },
      ],
    }),
  );
  const clientValue = time(() =>
    encodeBatchRequest({
      batchId: 'AAAAAAAAAAAAAAAAAAAAAA',
      calls: [
        {
          id: 1,
          method: 'POST',
          path: '/a',
          headers: [],
          body: { kind: 'json', value: JSON.parse(text) },
          priority: 'auto',
        },
      ],
    }),
  );
  const value = JSON.parse(text);
  const serverValue = time(() => JSON.stringify(value));
  console.log(
    `${name} | ${asBytes} | ${asValue} | ${(asValue / asBytes).toFixed(2)} | ${(clientValue / clientBytes).toFixed(2)} | ${serverValue.toFixed(1)}`,
  );
}
