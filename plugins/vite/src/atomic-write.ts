import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * Writes a file so that readers see either the old bytes or all of the new ones, never a prefix:
 * the data goes to a temporary name in the same directory, then `rename(2)` replaces the target
 * (atomic on POSIX file systems within one directory; on Windows it replaces or fails whole). A
 * failed write removes its temporary file and rethrows.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string | readonly Uint8Array[]): void {
  const temporary = `${path}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      writeFileSync(temporary, data);
    } else {
      // Several chunks (a header and a payload) without concatenating them into a new buffer.
      const fd = openSync(temporary, 'w');
      try {
        for (const chunk of data) {
          for (let written = 0; written < chunk.byteLength; ) {
            written += writeSync(fd, chunk, written, chunk.byteLength - written);
          }
        }
      } finally {
        closeSync(fd);
      }
    }
    renameSync(temporary, path);
  } catch (error) {
    // Best effort: the temporary file may not exist if the first write failed.
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Puts `data` at `path` with the guarantees of `writeFileAtomicSync`; when `source` is a file that
 * holds exactly these bytes (a cache entry), as a hard link to it: `link(2)` makes a complete file
 * appear at once, creates no inode and copies nothing. Falls back to writing where the file system
 * refuses (another device, no hard links, too many links). An existing `path` is replaced through
 * a temporary link and a rename, as atomic as a write.
 *
 * `link(2)` does not follow a symlink: linking one puts a symlink at `path`, and a FIFO links as a
 * FIFO. So the placed file is checked with `lstat`: it must be a regular file of `data`'s length
 * and, when `identity` is given (the entry verified by its reader), that very file; otherwise it is
 * replaced by the bytes.
 */
export function placeFileAtomicSync(
  path: string,
  data: Uint8Array,
  source?: string,
  identity?: { readonly dev: number; readonly ino: number },
): void {
  if (source !== undefined && linkAtomicSync(source, path)) {
    const placed = lstatSync(path, { throwIfNoEntry: false });
    const same =
      placed?.isFile() === true &&
      placed.size === data.byteLength &&
      (identity === undefined || (placed.dev === identity.dev && placed.ino === identity.ino));
    if (same) return;
  }
  writeFileAtomicSync(path, data);
}

/** Hard-links `source` at `path`, replacing it atomically; false where linking is refused. */
function linkAtomicSync(source: string, path: string): boolean {
  try {
    linkSync(source, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false; // EXDEV, EPERM, EMLINK, ENOTSUP...
  }
  const temporary = `${path}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    linkSync(source, temporary);
    renameSync(temporary, path);
    return true;
  } catch {
    // Linking is an optimisation: the caller writes the bytes instead.
    return false;
  } finally {
    // Left over when the link failed, or when `path` already was this very file (rename then does nothing).
    rmSync(temporary, { force: true });
  }
}
