/**
 * Checks on what a build wrote, shared by the @wirepack/vite-plugin cross-package tests: they read
 * the output folder back from disk and re-derive everything (decompressed bytes, hashes) rather
 * than trusting what the plugin reports.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

/** Sibling extensions and how to undo them. */
export const SIBLINGS: Readonly<Record<string, (bytes: Buffer) => Buffer>> = Object.freeze({
  br: (bytes: Buffer) => brotliDecompressSync(bytes),
  gz: (bytes: Buffer) => gunzipSync(bytes),
});

/** Every file under `dir`, as sorted `/`-separated paths relative to it. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return files.sort();
}

/** An output folder split into the files the app ships and their precompressed siblings. */
export interface OutputListing {
  /** Files the app ships (not siblings, not under `.wirepack/`). */
  originals: string[];
  /** Sibling path by original path, per encoding (`br`, `gz`). */
  siblings: Record<string, Map<string, string>>;
}

/** Splits `outDir`'s files into originals and siblings (`x.js.br` is a sibling only if `x.js` exists). */
export function listOutput(outDir: string, metaDir = '.wirepack/'): OutputListing {
  const all = new Set(listFiles(outDir));
  const listing: OutputListing = { originals: [], siblings: { br: new Map(), gz: new Map() } };
  for (const file of all) {
    if (file.startsWith(metaDir)) continue;
    const dot = file.lastIndexOf('.');
    const ext = file.slice(dot + 1);
    const original = file.slice(0, dot);
    const bucket = listing.siblings[ext];
    if (bucket && all.has(original)) bucket.set(original, file);
    else listing.originals.push(file);
  }
  return listing;
}

/** Decompresses every sibling and returns the siblings whose bytes differ from their original. */
export function mismatchedSiblings(outDir: string, listing: OutputListing): string[] {
  const mismatched: string[] = [];
  for (const [ext, bucket] of Object.entries(listing.siblings)) {
    const decode = SIBLINGS[ext]!;
    for (const [original, sibling] of bucket) {
      const expected = readFileSync(join(outDir, original));
      if (!decode(readFileSync(join(outDir, sibling))).equals(expected)) mismatched.push(sibling);
    }
  }
  return mismatched;
}

/** `sha256-<base64>` (or another algorithm) of a file's bytes, as the manifest and SRI spell it. */
export function digest(path: string, algorithm: 'sha256' | 'sha384' = 'sha256'): string {
  return `${algorithm}-${createHash(algorithm).update(readFileSync(path)).digest('base64')}`;
}
