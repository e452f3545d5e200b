import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildManifest, cacheControlFor, serializeManifest } from '@wirepack/manifest';
import type { Plugin } from 'vite';
import { writeFileAtomicSync } from '../atomic-write.ts';
import { basePath } from '../output-urls.ts';
import { type EnvironmentRun, postCloseBundle, type WirepackState } from './state.ts';

/**
 * `wirepack:manifest`: writes `<outDir>/.wirepack/manifest.json` (the `manifest` option) from the
 * fingerprints `wirepack:precompress` took of the final files. Atomic, deterministic.
 */
export function manifestPlugin(state: WirepackState): Plugin {
  return {
    name: 'wirepack:manifest',
    apply: 'build',
    applyToEnvironment: (environment) => state.appliesTo(environment),
    closeBundle: postCloseBundle(state, async (run) => writeManifest(state, run)),
  };
}

function writeManifest(state: WirepackState, run: EnvironmentRun): void {
  if (run.outcome === undefined) return;
  const path = state.claimManifestPath(run);
  if (path === undefined) return;
  const manifest = buildManifest({
    base: basePath(run.base),
    files: run.outcome.records.map((record) => ({
      path: record.file,
      size: record.size,
      hash: record.hash,
      integrity: record.integrity,
      contentType: record.contentType,
      immutable: record.immutable,
      cacheControl: cacheControlFor(record.immutable),
      encodings: record.encodings,
    })),
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, serializeManifest(manifest));
  run.manifestPath = path;
}
