import { detectRuntime } from './runtime.ts';

/**
 * The batch endpoint, and which calls it can carry. It resolves on first use, so importing the
 * client in a server (no page URL) is fine.
 */
export class Endpoint {
  private resolved: URL | undefined;
  /** `${origin}/`: most calls' URLs start with it, which settles their origin without computing `origin`. */
  private originPrefix: string | undefined;

  constructor(private readonly option: string | URL) {}

  /** The endpoint's absolute URL; a TypeError when it is relative and there is no page to resolve it against. */
  url(): URL {
    if (this.resolved !== undefined) return this.resolved;
    try {
      this.resolved = new URL(this.option, detectRuntime().baseUrl);
    } catch (error) {
      throw new TypeError(
        `[wirepack/client] options.endpoint ${String(this.option)} cannot be resolved: outside a page, give an absolute URL`,
        { cause: error },
      );
    }
    return this.resolved;
  }

  /** Whether a call to `url` can travel in a batch: the endpoint's origin, and not the endpoint itself. */
  carries(url: URL): boolean {
    const target = this.url();
    // `origin` is computed afresh on every read; URLs with credentials take the exact check.
    this.originPrefix ??= `${target.origin}/`;
    const sameOrigin = url.href.startsWith(this.originPrefix) || url.origin === target.origin;
    return sameOrigin && url.pathname !== target.pathname;
  }
}
