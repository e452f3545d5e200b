import { readFile } from 'node:fs/promises';
import type { Plugin } from 'vite';
import { writeFileAtomicSync } from '../atomic-write.js';
import { sriIntegrity } from '../fingerprint.js';
import { addImportMapIntegrity, importMapKey, reachableChunks } from '../import-map-integrity.js';
import { resolveOutputUrl } from '../output-urls.js';
import { addIntegrity } from '../sri.js';
import { walkOutDir } from '../walk-out-dir.js';
import { type EnvironmentRun, postCloseBundle, type StepContext, type WirepackState } from './state.js';

/** Chunk file name to the chunk file names it imports, statically or through `import()`. */
type ChunkGraph = Map<string, string[]>;

/**
 * `wirepack:sri`: adds `integrity` to the script, stylesheet and modulepreload tags of every HTML
 * file in the output directory, and an import map `integrity` section covering every chunk the
 * page can load (lazy chunks included; see import-map-integrity.ts). It runs before
 * `wirepack:precompress`, so the integrity values are taken from the final bytes of the files on
 * disk, and the HTML is fingerprinted and compressed only after this rewrite.
 */
export function sriPlugin(state: WirepackState): Plugin {
  // Which chunk imports which, per environment, from the bundle Vite wrote: the import graph does
  // not change after writeBundle, the bytes may (hence hashing from disk in closeBundle).
  const graphs = new Map<string, ChunkGraph>();
  return {
    name: 'wirepack:sri',
    apply: 'build',
    applyToEnvironment: (environment) => state.appliesTo(environment),
    writeBundle(_options, bundle) {
      const graph = graphs.get(this.environment.name) ?? new Map<string, string[]>();
      graphs.set(this.environment.name, graph);
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk') graph.set(item.fileName, [...item.imports, ...item.dynamicImports]);
      }
    },
    closeBundle: postCloseBundle(state, async (run, context) => {
      const graph = graphs.get(run.environment) ?? new Map<string, string[]>();
      graphs.delete(run.environment);
      await addIntegrityToHtml(state, run, context, graph);
    }),
  };
}

async function addIntegrityToHtml(
  state: WirepackState,
  run: EnvironmentRun,
  context: StepContext,
  graph: ChunkGraph,
): Promise<void> {
  const files = await walkOutDir(run.outDir, await state.outputExclusions(run));
  const byName = new Map(files.map((entry) => [entry.file, entry]));
  const integrities = new Map<string, string>();
  const integrityOf = async (file: string): Promise<string> => {
    let value = integrities.get(file);
    if (value === undefined) {
      value = sriIntegrity(await readFile(byName.get(file)!.path));
      integrities.set(file, value);
    }
    return value;
  };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const page of files) {
    if (!/\.html?$/i.test(page.file)) continue;
    const bytes = await readFile(page.path);
    let html: string;
    try {
      html = decoder.decode(bytes);
    } catch {
      context.warn(`[wirepack/vite-plugin] ${page.file} is not valid UTF-8: left without SRI`);
      continue;
    }
    // First pass: which files do the tags point at? Read them (once per build) for their digests.
    const wanted = new Set<string>();
    const entryChunks = new Set<string>();
    addIntegrity(html, ({ url, kind }) => {
      const file = resolveOutputUrl(url, page.file, run.base);
      if (file !== undefined && byName.has(file)) {
        wanted.add(file);
        if (kind !== 'stylesheet' && graph.has(file)) entryChunks.add(file);
      }
      return undefined;
    });
    for (const file of wanted) await integrityOf(file);
    // Every chunk the page can reach, keyed by the URL the browser resolves it to.
    const moduleIntegrity = new Map<string, string>();
    for (const file of reachableChunks(entryChunks, graph)) {
      if (byName.has(file))
        moduleIntegrity.set(importMapKey(file, page.file, run.base), await integrityOf(file));
    }
    const tagged = addIntegrity(html, ({ url }) => {
      const file = resolveOutputUrl(url, page.file, run.base);
      return file === undefined ? undefined : integrities.get(file);
    });
    const result = addImportMapIntegrity(tagged.html, moduleIntegrity);
    if (result.outcome === 'invalid') {
      context.warn(
        `[wirepack/vite-plugin] ${page.file}: its <script type="importmap"> is not a JSON object, so lazily loaded ` +
          'chunks got no integrity: fix the import map',
      );
    }
    for (const key of result.conflicts) {
      context.warn(
        `[wirepack/vite-plugin] ${page.file}: the page's import map gives ${key} an integrity other than the built ` +
          "file's: kept the page's, which browsers will refuse to load if it is stale",
      );
    }
    for (const url of tagged.skipped) {
      context.warn(
        `[wirepack/vite-plugin] ${page.file}: no integrity on ${url}: it is cross-origin without a \`crossorigin\` ` +
          'attribute, so browsers could not verify it (add `crossorigin` and serve it with CORS headers)',
      );
    }
    run.sri.skipped += tagged.skipped.length;
    if (tagged.added === 0 && result.added === 0) continue;
    writeFileAtomicSync(page.path, result.html);
    run.sri.htmlFiles += 1;
    run.sri.tags += tagged.added;
  }
}
