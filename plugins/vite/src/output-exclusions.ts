import { open } from 'node:fs/promises';
import { WirepackPluginError } from './errors.js';
import { manifestFileInOutDir } from './manifest-path.js';

/** How an earlier manifest of this plugin starts (see `serializeManifest`): the only file it may replace. */
const GENERATOR_MARK = '"generator": "@wirepack/vite-plugin"';

/**
 * The paths the output walk leaves out: the manifest, when it lies inside the output directory. A
 * MANIFEST_PATH_CONFLICT when a file other than an earlier manifest sits at the manifest path, so a
 * misconfigured `manifest` never overwrites an output.
 */
export async function outputExclusions(
  outDir: string,
  manifestPath: string | undefined,
): Promise<Set<string>> {
  if (manifestPath === undefined) return new Set();
  const file = manifestFileInOutDir(outDir, manifestPath);
  if (file === undefined) return new Set();
  const head = await readHead(manifestPath);
  if (head !== undefined && !head.includes(GENERATOR_MARK)) {
    throw new WirepackPluginError(
      'MANIFEST_PATH_CONFLICT',
      `option \`manifest\` points at ${file}, which this build wrote as an output file: ` +
        'choose a path no output uses (the default is .wirepack/manifest.json)',
      { file },
    );
  }
  return new Set([file]);
}

/** The first 256 bytes of a file as text, or `undefined` when it cannot be read (usually: no file yet). */
async function readHead(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    // Nothing there yet (the usual case): the manifest path is free.
    return undefined;
  }
}
