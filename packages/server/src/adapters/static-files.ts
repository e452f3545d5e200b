import type { FileHandle } from 'node:fs/promises';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';

/** A problem `serveStatic` met with a file the manifest lists; the request got a 404 or the identity file. */
export interface StaticWarning {
  /**
   * `FILE_MISSING`: listed but not on disk; `FILE_CHANGED`: its size is not the manifest's (rebuilt
   * without a new manifest, or being replaced); `OUTSIDE_ROOT`: a link that leads out of `root`;
   * `FILE_UNREADABLE`: any other failure to open or read it.
   */
  readonly code: 'FILE_MISSING' | 'FILE_CHANGED' | 'OUTSIDE_ROOT' | 'FILE_UNREADABLE';
  /** The file's path relative to `root`, as the manifest lists it. */
  readonly path: string;
  /** What happened, starting with `[wirepack/server]`. */
  readonly message: string;
}

/** An opened file, ready to give a range of its bytes as a response body. */
export interface StaticBody {
  /** The bytes `start`..`end` (inclusive): one chunk for small files, a stream from disk otherwise. */
  read(start: number, end: number): Promise<Uint8Array | ReadableStream<Uint8Array>>;
  /** Releases the file when no body is sent (HEAD, 304, 416). */
  close(): Promise<void>;
}

const STREAM_CHUNK = 64 * 1024;

/**
 * Opens the files of a manifest under `root`. Paths come from a validated manifest (relative, no
 * `..`), so the join stays in `root` by construction; what it cannot see, a symbolic link, is caught
 * by resolving each path once with realpath and comparing it with root's own real path. The result
 * is kept, so a file costs one realpath per process, not per request (a deploy swaps `root` or
 * restarts; a link planted later inside a build directory is outside this server's threat model).
 */
export class StaticFiles {
  readonly #root: string;
  readonly #bufferLimit: number;
  readonly #onWarning: (warning: StaticWarning) => void;
  readonly #inside = new Set<string>();
  readonly #warned = new Set<string>();
  #realRoot: Promise<string> | undefined;

  constructor(root: string, bufferLimit: number, onWarning: (warning: StaticWarning) => void) {
    this.#root = root;
    this.#bufferLimit = bufferLimit;
    this.#onWarning = onWarning;
  }

  /** Opens `path` expecting `size` bytes; undefined (after a warning) when it cannot be served. */
  async open(path: string, size: number): Promise<StaticBody | undefined> {
    const absolute = join(this.#root, ...path.split('/'));
    let handle: FileHandle | undefined;
    try {
      if (!this.#inside.has(path)) {
        this.#realRoot ??= realpath(this.#root);
        const real = await realpath(absolute);
        const fromRoot = relative(await this.#realRoot, real);
        if (fromRoot === '' || fromRoot.startsWith(`..${sep}`) || fromRoot === '..' || isAbsolute(fromRoot)) {
          this.#warn('OUTSIDE_ROOT', path, `${path} links outside the served directory; not served`);
          return undefined;
        }
        this.#inside.add(path);
      }
      handle = await open(absolute, 'r');
      if (size <= this.#bufferLimit) return await this.#buffered(handle, path, size);
      const info = await handle.stat();
      if (!info.isFile() || info.size !== size) {
        await handle.close();
        this.#changed(path, size, info.isFile() ? info.size : undefined);
        return undefined;
      }
      return streamed(handle);
    } catch (error) {
      await handle?.close().catch(() => {
        // Already closed or never opened: nothing left to release.
      });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        this.#warn('FILE_MISSING', path, `${path} is in the manifest but not on disk; answered 404`);
      } else {
        this.#warn('FILE_UNREADABLE', path, `${path} cannot be read (${code ?? (error as Error).message})`);
      }
      return undefined;
    }
  }

  /** Reads a small file whole, checking that it holds exactly `size` bytes. */
  async #buffered(handle: FileHandle, path: string, size: number): Promise<StaticBody | undefined> {
    try {
      // One spare byte tells a file that grew from one of the right size, without a stat.
      const bytes = new Uint8Array(size + 1);
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled !== size) {
        this.#changed(path, size, filled > size ? undefined : filled);
        return undefined;
      }
      const content = bytes.subarray(0, size);
      return {
        read: async (start, end) => content.subarray(start, end + 1),
        close: async () => {},
      };
    } finally {
      await handle.close();
    }
  }

  #changed(path: string, expected: number, actual: number | undefined): void {
    const found = actual === undefined ? 'another size' : `${actual} bytes`;
    this.#warn('FILE_CHANGED', path, `${path} has ${found}, the manifest says ${expected}; answered 404`);
  }

  #warn(code: StaticWarning['code'], path: string, message: string): void {
    if (this.#warned.has(path)) return;
    this.#warned.add(path);
    this.#onWarning({ code, path, message: `[wirepack/server] serveStatic: ${message}` });
  }
}

/** A large file streamed from disk; the handle closes when the stream ends or is cancelled. */
function streamed(handle: FileHandle): StaticBody {
  return {
    read: async (start, end) =>
      Readable.toWeb(
        handle.createReadStream({ start, end, highWaterMark: STREAM_CHUNK }),
      ) as ReadableStream<Uint8Array>,
    close: () => handle.close(),
  };
}
