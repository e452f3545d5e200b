import { isJsonMediaType, type ResultFrame } from '@wirepack/protocol';

/**
 * A call's answer without a `Response`: what `batchFetch.call()` resolves to. For code that reads
 * JSON and status only, this skips the per-call `Response`, its `Headers` and its body stream.
 */
export interface CallResult {
  readonly status: number;
  /** Whether the status is 200-299. */
  readonly ok: boolean;
  /** `[lower-case name, value]` pairs, as the server sent them. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /**
   * A JSON body's value (what `response.json()` would give), the bytes of any other body, undefined
   * when there is none (a HEAD, a 204, a 304).
   */
  readonly body: unknown;
  /** The value of one header (case-insensitive), repeats joined with `, `; null when absent. */
  header(name: string): string | null;
}

const utf8 = new TextDecoder();
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

class FrameResult implements CallResult {
  readonly ok: boolean;

  constructor(
    readonly status: number,
    readonly headers: ReadonlyArray<readonly [string, string]>,
    readonly body: unknown,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  header(name: string): string | null {
    const wanted = name.toLowerCase();
    let value: string | null = null;
    for (const [key, item] of this.headers) {
      if (key === wanted) value = value === null ? item : `${value}, ${item}`;
    }
    return value;
  }
}

/** A result frame as a {@link CallResult}; a JSON text body is parsed (SyntaxError as `response.json()`). */
export function callResultFromFrame(frame: ResultFrame, method: string): CallResult {
  if (NULL_BODY_STATUSES.has(frame.status) || method === 'HEAD' || frame.body.kind === 'none') {
    return new FrameResult(frame.status, frame.headers, undefined);
  }
  if (frame.body.kind === 'json') return new FrameResult(frame.status, frame.headers, frame.body.value);
  const bytes = frame.body.bytes;
  const result = new FrameResult(frame.status, frame.headers, bytes);
  const type = result.header('content-type');
  if (type === null || !isJsonMediaType(type) || bytes.byteLength === 0) return result;
  return new FrameResult(frame.status, frame.headers, JSON.parse(utf8.decode(bytes)));
}

/** A Response from the network (a call that was not batched) as a {@link CallResult}. */
export async function callResultFromResponse(response: Response, method: string): Promise<CallResult> {
  const headers: Array<readonly [string, string]> = [...response.headers];
  const bytes = new Uint8Array(await response.arrayBuffer());
  const frame: ResultFrame = {
    kind: 'result',
    id: 0,
    status: response.status,
    headers,
    body: bytes.byteLength === 0 ? { kind: 'none' } : { kind: 'bytes', bytes },
  };
  return callResultFromFrame(frame, method);
}
