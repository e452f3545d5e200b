/**
 * What an aborted call rejects with: the signal's reason, exactly as `fetch` does (an
 * `AbortError` DOMException unless the caller passed their own reason to `abort()`).
 */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
