import { PROTOCOL_VERSION } from './constants.ts';
import { isWirepackErrorCode, WirepackError } from './errors.ts';

/**
 * A batch-level error body (RFC 9457 problem details, `application/problem+json`), sent instead
 * of a frame stream when a batch is refused before its response starts.
 */
export interface Problem {
  /** `urn:wirepack:error:<code>`. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly version: number;
}

/** The problem details for an error. The message is sent: keep secrets and internals out of it. */
export function toProblem(error: WirepackError): Problem {
  return {
    type: `urn:wirepack:error:${error.code}`,
    title: error.code.toLowerCase().replaceAll('_', ' '),
    status: error.status,
    code: error.code,
    detail: error.message,
    version: PROTOCOL_VERSION,
  };
}

/** Reads a problem body back into a {@link WirepackError}, or `undefined` if it is not one of ours. */
export function fromProblem(body: unknown, status: number): WirepackError | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { code, detail } = body as Record<string, unknown>;
  if (!isWirepackErrorCode(code)) return undefined;
  return new WirepackError(code, typeof detail === 'string' ? detail : code, { status });
}
