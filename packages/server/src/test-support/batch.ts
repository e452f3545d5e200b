// Helpers for the server's tests: build batch requests and read their frames back.
import {
  BATCH_MEDIA_TYPE,
  type Body,
  CANCEL_MEDIA_TYPE,
  createBatchId,
  encodeBatchRequest,
  encodeCancelMessage,
  type Frame,
  NO_BODY,
  type Priority,
  type ResultFrame,
  readFrames,
} from '@wirepack/protocol';

export const ORIGIN = 'http://app.test';

/** A sub-request with defaults (GET, no headers, no body, auto priority). */
export interface CallInit {
  readonly id: number;
  readonly path: string;
  readonly method?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Body;
  readonly priority?: Priority;
}

export function batchBody(calls: readonly CallInit[], batchId: string = createBatchId()): Uint8Array {
  return encodeBatchRequest({
    batchId,
    calls: calls.map((call) => ({
      id: call.id,
      method: call.method ?? 'GET',
      path: call.path,
      headers: call.headers ?? [],
      body: call.body ?? NO_BODY,
      priority: call.priority ?? 'auto',
    })),
  });
}

export function batchRequest(
  calls: readonly CallInit[],
  init: { batchId?: string; headers?: Record<string, string>; signal?: AbortSignal; origin?: string } = {},
): Request {
  return new Request(`${init.origin ?? ORIGIN}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE, ...init.headers },
    body: batchBody(calls, init.batchId) as Uint8Array<ArrayBuffer>,
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

export function cancelRequest(batchId: string, ids: number[], origin: string = ORIGIN): Request {
  return new Request(`${origin}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': CANCEL_MEDIA_TYPE },
    body: encodeCancelMessage({ batchId, ids }) as Uint8Array<ArrayBuffer>,
  });
}

/** Reads every frame of a batch response, in arrival order. */
export async function collectFrames(response: Response): Promise<Frame[]> {
  if (response.body === null) throw new Error('no body');
  const frames: Frame[] = [];
  for await (const frame of readFrames(response.body)) frames.push(frame);
  return frames;
}

/** The result frames by id. */
export function resultsById(frames: readonly Frame[]): Map<number, ResultFrame> {
  const map = new Map<number, ResultFrame>();
  for (const frame of frames) if (frame.kind === 'result') map.set(frame.id, frame);
  return map;
}

/** The order in which ids got a result or error frame. */
export function frameOrder(frames: readonly Frame[]): number[] {
  return frames.flatMap((frame) => (frame.kind === 'result' || frame.kind === 'error' ? [frame.id] : []));
}

/** A Body's bytes as text (JSON values re-serialised). */
export function bodyText(body: Body): string {
  if (body.kind === 'none') return '';
  if (body.kind === 'json') return JSON.stringify(body.value);
  return new TextDecoder().decode(body.bytes);
}

/** Sends a Request built for the socketless tests (a batch, a cancel) over real HTTP. */
export async function sendOverHttp(request: Request): Promise<Response> {
  return fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: await request.arrayBuffer(),
  });
}
