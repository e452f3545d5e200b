import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeValue } from './codec.ts';
import type { WirepackErrorCode } from './errors.ts';
import {
  encodeFrame,
  encodeResultsFrame,
  type Frame,
  type ResultFrame,
  readFrameGroups,
  readFrames,
} from './frames.ts';

const frames: Frame[] = [
  {
    kind: 'result',
    id: 7,
    status: 200,
    headers: [['content-type', 'application/json']],
    body: { kind: 'json', value: { ok: true, items: [1, 2, 3] } },
  },
  { kind: 'result', id: 3, status: 204, headers: [], body: { kind: 'none' } },
  {
    kind: 'result',
    id: 1,
    status: 200,
    headers: [
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ],
    body: { kind: 'bytes', bytes: Uint8Array.of(0, 255, 10) },
  },
  { kind: 'error', id: 9, code: 'TIMEOUT', message: 'sub-request 9 ran past 30000 ms' },
  { kind: 'end', timing: { total: 12.5, calls: 4 } },
];

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function readAll(chunks: Uint8Array[], maxFrameBytes?: number): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const frame of readFrames(streamOf(chunks), maxFrameBytes ? { maxFrameBytes } : {}))
    out.push(frame);
  return out;
}

async function codeOf(chunks: Uint8Array[], maxFrameBytes?: number): Promise<WirepackErrorCode | 'ok'> {
  try {
    await readAll(chunks, maxFrameBytes);
    return 'ok';
  } catch (error) {
    return (error as { code: WirepackErrorCode }).code;
  }
}

/** Frames as comparable plain data (Buffer vs Uint8Array does not matter). */
const plain = (list: Frame[]): unknown =>
  JSON.parse(JSON.stringify(list, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));

const together: ResultFrame[] = [
  {
    kind: 'result',
    id: 20,
    status: 200,
    headers: [['content-type', 'application/json']],
    body: { kind: 'json', value: { n: 1 } },
  },
  {
    kind: 'result',
    id: 21,
    status: 404,
    headers: [['x-custom', 'kept']],
    body: { kind: 'json', value: { n: 2 } },
  },
  { kind: 'result', id: 22, status: 200, headers: [], body: { kind: 'bytes', bytes: Uint8Array.of(7) } },
];
// Single frames, then one results frame holding three results, then the end frame.
const wire = concat([
  ...frames.slice(0, -1).map(encodeFrame),
  encodeResultsFrame(together),
  encodeFrame(frames.at(-1) as Frame),
]);
const expected = [...frames.slice(0, -1), ...together, frames.at(-1) as Frame];

describe('readFrames', () => {
  test('reads every frame of one chunk', async () => {
    expect(plain(await readAll([wire]))).toStrictEqual(plain(expected));
  });

  test('a split at every byte boundary parses identically', async () => {
    for (let cut = 0; cut <= wire.length; cut++) {
      const parsed = await readAll([wire.subarray(0, cut), wire.subarray(cut)]);
      expect(plain(parsed)).toStrictEqual(plain(expected));
    }
  });

  test('any chunking parses identically', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: wire.length }), { maxLength: 12 }),
        async (cuts) => {
          const points = [0, ...[...cuts].sort((a, b) => a - b), wire.length];
          const chunks = points.slice(1).map((end, i) => wire.subarray(points[i], end));
          expect(plain(await readAll(chunks))).toStrictEqual(plain(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('one byte at a time', async () => {
    const chunks = Array.from(wire, (byte) => Uint8Array.of(byte));
    expect(plain(await readAll(chunks))).toStrictEqual(plain(expected));
  });

  test('a stream truncated anywhere ends in TRUNCATED, not a hang', async () => {
    for (let cut = 0; cut < wire.length; cut++) {
      expect(await codeOf([wire.subarray(0, cut)])).toBe('TRUNCATED');
    }
  });

  test('a frame longer than the limit is refused from its prefix', async () => {
    const header = Uint8Array.of(0xff, 0xff, 0xff, 0xff);
    expect(await codeOf([header])).toBe('FRAME_TOO_LARGE');
    const big = encodeFrame({
      kind: 'result',
      id: 1,
      status: 200,
      headers: [],
      body: { kind: 'bytes', bytes: new Uint8Array(1000) },
    });
    expect(await codeOf([big], 100)).toBe('FRAME_TOO_LARGE');
  });

  test('results that are ready together share one message, and so its record definitions', () => {
    const results = Array.from(
      { length: 50 },
      (_, id): ResultFrame => ({
        kind: 'result',
        id,
        status: 200,
        headers: [['content-type', 'application/json']],
        body: { kind: 'json', value: { id, name: `user ${id}`, active: true } },
      }),
    );
    const one = encodeResultsFrame(results).length;
    const separate = results.reduce((sum, result) => sum + encodeFrame(result).length, 0);
    expect(one).toBeLessThan(separate * 0.6);
  });

  test('bytes after the end frame are refused', async () => {
    expect(await codeOf([wire, Uint8Array.of(0)])).toBe('MALFORMED');
  });

  test('a fatal frame ends the stream', async () => {
    const fatal = encodeFrame({ kind: 'fatal', code: 'OVERLOADED', message: 'shutting down' });
    const parsed = await readAll([concat([encodeFrame(frames[0] as Frame), fatal])]);
    expect(parsed.map((frame) => frame.kind)).toStrictEqual(['result', 'fatal']);
  });

  test.each([
    ['an unknown frame kind', [9]],
    ['a result frame with a status out of range', [0, 1, 99, [], 0, null]],
    ['an error frame with a code outside the closed set', [1, 1, 'NOPE', 'x']],
    ['a result frame with an odd header list', [0, 1, 200, ['a'], 0, null]],
    ['a JSON body of binary', [0, 1, 200, [], 2, Uint8Array.of(1)]],
    ['a negative id', [1, -1, 'TIMEOUT', 'x']],
    ['an empty results frame', [4, []]],
    ['a results frame with a short result', [4, [[1, 200, []]]]],
    ['a header index outside the static table', [0, 1, 200, [999], 0, null]],
    ['a fractional header index', [0, 1, 200, [0.5], 0, null]],
  ])('%s is INVALID_ENVELOPE', async (_name, message) => {
    const payload = encodeValue(message);
    const framed = concat([Uint8Array.of(0, 0, 0, payload.length), payload]);
    expect(await codeOf([framed])).toBe('INVALID_ENVELOPE');
  });

  test('a failing stream is a NETWORK error', async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError('socket hang up'));
      },
    });
    await expect(readFrames(stream).next()).rejects.toMatchObject({ code: 'NETWORK' });
  });
});

describe('readFrameGroups', () => {
  const result = (id: number): ResultFrame => ({
    kind: 'result',
    id,
    status: 200,
    headers: [],
    body: { kind: 'json', value: { id } },
  });
  const end: Frame = { kind: 'end', timing: { total: 1, calls: 3, errors: 0 } };

  test('yields the frames of each message together, in the order readFrames yields them one by one', async () => {
    const bytes = concat([
      encodeResultsFrame([result(1), result(2)]),
      encodeFrame(result(3)),
      encodeFrame(end),
    ]);
    const groups: Frame[][] = [];
    for await (const group of readFrameGroups(streamOf([bytes.subarray(0, 7), bytes.subarray(7)]))) {
      groups.push([...group]);
    }
    expect(groups.map((group) => group.length)).toEqual([2, 1, 1]);
    const flat: Frame[] = [];
    for await (const frame of readFrames(streamOf([bytes]))) flat.push(frame);
    expect(groups.flat()).toEqual(flat);
  });

  test('fails as readFrames does on a stream without its end frame', async () => {
    const groups = readFrameGroups(streamOf([encodeResultsFrame([result(1), result(2)])]));
    await expect(groups.next()).resolves.toMatchObject({ done: false });
    await expect(groups.next()).rejects.toMatchObject({ code: 'TRUNCATED' });
  });
});
