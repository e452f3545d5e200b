import type { ResultFrame } from '@wirepack/protocol';
import type { OutgoingRequest } from './outgoing-request.ts';
import { detectRuntime } from './runtime.ts';

/**
 * Tells the developer, once per route, that a batched call's cookies were not stored: a browser's
 * cookie jar is filled by the HTTP layer only, and the batch response's head left before the call ran.
 */
export class CookieWarnings {
  private readonly warned = new Set<string>();

  check(request: OutgoingRequest, frame: ResultFrame): void {
    if (!setsCookie(frame) || !detectRuntime().cookieJar) return;
    const route = `${request.method} ${request.url.pathname}`;
    if (this.warned.has(route)) return;
    this.warned.add(route);
    console.warn(
      `[wirepack/client] ${route} answered with Set-Cookie, which the browser does not store for a batched call: send it with { batch: false }.`,
    );
  }
}

function setsCookie(frame: ResultFrame): boolean {
  for (const [name] of frame.headers) if (name === 'set-cookie') return true;
  return false;
}
