import type { ResultFrame } from '@wirepack/protocol';
import { copyFrame } from './pending-call.ts';

interface Entry {
  readonly frame: ResultFrame;
  readonly expires: number;
}

/**
 * The opt-in response cache: bounded by entries (least recently used out first) and by age, and
 * clearable. DataLoader's own cache is off on purpose: unbounded, it is a known leak in
 * long-lived apps (graphql-hive/gateway#1085). Only successful GET responses are kept, never one
 * marked `Cache-Control: no-store` or `Vary: *`; each hit gets its own copy of a JSON value.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): ResultFrame | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used goes last
    return copyFrame(entry.frame);
  }

  /** Stores a response if it may be cached; the cache keeps its own copy. */
  set(key: string, frame: ResultFrame): void {
    if (!isCacheable(frame) || this.ttlMs === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { frame: copyFrame(frame), expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

function isCacheable(frame: ResultFrame): boolean {
  if (frame.status < 200 || frame.status > 299 || frame.status === 206) return false;
  for (const [name, value] of frame.headers) {
    if (name === 'cache-control' && /(^|,)\s*no-store\s*(,|$)/i.test(value)) return false;
    if (name === 'vary' && value.trim() === '*') return false;
  }
  return true;
}
