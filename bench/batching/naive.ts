// The naive reference of issue 11: what batching costs with nothing but DataLoader and msgpackr, in
// about a hundred lines. The client's DataLoader gathers the calls of a tick into one POST of
// MessagePack; the server runs them all and answers either once, when every call is done ("plain"),
// or one length-prefixed MessagePack message per call as each finishes ("streamed", so a slow call
// holds no other). No per-call Request or Response, no limits, no cancels, no priorities, no
// compression: a floor for what the wire needs, not a product.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import DataLoader from 'dataloader';
import { Packr } from 'msgpackr';
import { loadUser, type User } from './app.ts';

/** The one endpoint both variants answer. */
export const NAIVE_PATH = '/naive';
/** A call on the wire: [user id, extra delay in ms]. */
type NaiveCall = [id: number, delayMs: number];

const packr = new Packr({ useRecords: false });
/** Largest batch body the reference reads (it has no other limit). */
const MAX_BODY = 8 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The server: `POST /naive?stream=1` streams, `POST /naive` answers once. */
export function createNaiveListener(): RequestListener {
  return async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || !request.url?.startsWith(NAIVE_PATH)) {
      response.writeHead(404).end();
      return;
    }
    const calls = packr.unpack(await readBody(request)) as NaiveCall[];
    const work = calls.map(([id, delayMs]) => loadUser(id, delayMs));
    if (!request.url.includes('stream=1')) {
      const body = packr.pack(await Promise.all(work));
      response
        .writeHead(200, { 'content-type': 'application/msgpack', 'content-length': body.length })
        .end(body);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/msgpack' });
    // Results finishing in the same tick leave as one write (as wirepack's frame sink does).
    let queued: Buffer[] = [];
    let left = work.length;
    const flush = (): void => {
      const chunk = Buffer.concat(queued);
      queued = [];
      if (left === 0) response.end(chunk);
      else response.write(chunk);
    };
    work.forEach((promise, index) => {
      promise.then((user) => {
        const message = packr.pack([index, user]);
        const prefix = Buffer.allocUnsafe(4);
        prefix.writeUInt32BE(message.length);
        if (queued.length === 0) setImmediate(flush);
        queued.push(prefix, message);
        left--;
      });
    });
  };
}

/** The client: one DataLoader, one POST per tick's calls; each call resolves to its record. */
export function createNaiveCaller(
  origin: string,
  streamed: boolean,
): (id: number, delayMs: number) => Promise<User> {
  const url = `${origin}${NAIVE_PATH}${streamed ? '?stream=1' : ''}`;
  const loader = new DataLoader<NaiveCall, User>(
    async (calls) => {
      const response = await fetch(url, {
        method: 'POST',
        body: packr.pack(calls) as Uint8Array<ArrayBuffer>,
      });
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      if (!streamed) return packr.unpack(new Uint8Array(await response.arrayBuffer())) as User[];
      // Streamed: DataLoader wants all results at once, so each call's own promise settles early
      // through `early`, and the batch function's answer is only the final list.
      const results = new Array<User>(calls.length);
      let buffer: Uint8Array = new Uint8Array(0);
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const chunk = read.value;
        buffer = buffer.length === 0 ? chunk : concat(buffer, chunk);
        let offset = 0;
        while (buffer.length - offset >= 4) {
          const length = new DataView(buffer.buffer, buffer.byteOffset + offset).getUint32(0);
          if (buffer.length - offset - 4 < length) break;
          const [index, user] = packr.unpack(buffer.subarray(offset + 4, offset + 4 + length)) as [
            number,
            User,
          ];
          results[index] = user;
          early.get(calls[index] as NaiveCall)?.(user);
          offset += 4 + length;
        }
        buffer = buffer.subarray(offset);
      }
      return results;
    },
    { cache: false },
  );
  const early = new Map<NaiveCall, (user: User) => void>();
  return (id, delayMs) => {
    const key: NaiveCall = [id, delayMs];
    if (!streamed) return loader.load(key);
    return new Promise<User>((resolve, reject) => {
      early.set(key, (user) => {
        early.delete(key);
        resolve(user);
      });
      loader.load(key).catch((error: unknown) => {
        early.delete(key);
        reject(error);
      });
    });
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
