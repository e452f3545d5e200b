import { readFile } from 'node:fs/promises';
import type { Plugin } from 'vite';
import { writeFileAtomicSync } from '../atomic-write.js';
import { sriIntegrity } from '../fingerprint.js';
import { resolveOutputUrl } from '../output-urls.js';
import { addIntegrity } from '../sri.js';
import { walkOutDir } from '../walk-out-dir.js';
import { type EnvironmentRun, postCloseBundle, type StepContext, type WirepackState } from './state.js';

/**
 * `wirepack:sri`: adds `integrity` to the script, stylesheet and modulepreload tags of every HTML
 * file in the output directory. It runs before `wirepack:precompress`, so the integrity values
 * are taken from the final bytes of the referenced files, and the HTML is fingerprinted and
 * compressed only after this rewrite.
 */
export function sriPlugin(state: WirepackState): Plugin {
  return {
    name: 'wirepack:sri',
    apply: 'build',
    applyToEnvironment: (environment) => state.appliesTo(environment),
    closeBundle: postCloseBundle(state, (run, context) => addIntegrityToHtml(state, run, context)),
  };
}

async function addIntegrityToHtml(
  state: WirepackState,
  run: EnvironmentRun,
  context: StepContext,
): Promise<void> {
  const files = await walkOutDir(run.outDir, await state.outputExclusions(run));
  const byName = new Map(files.map((entry) => [entry.file, entry]));
  const integrities = new Map<string, string>();
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
    addIntegrity(html, ({ url }) => {
      const file = resolveOutputUrl(url, page.file, run.base);
      if (file !== undefined && byName.has(file)) wanted.add(file);
      return undefined;
    });
    for (const file of wanted) {
      if (!integrities.has(file)) integrities.set(file, sriIntegrity(await readFile(byName.get(file)!.path)));
    }
    const result = addIntegrity(html, ({ url }) => {
      const file = resolveOutputUrl(url, page.file, run.base);
      return file === undefined ? undefined : integrities.get(file);
    });
    for (const url of result.skipped) {
      context.warn(
        `[wirepack/vite-plugin] ${page.file}: no integrity on ${url}: it is cross-origin without a \`crossorigin\` ` +
          'attribute, so browsers could not verify it (add `crossorigin` and serve it with CORS headers)',
      );
    }
    run.sri.skipped += result.skipped.length;
    if (result.added === 0) continue;
    writeFileAtomicSync(page.path, result.html);
    run.sri.htmlFiles += 1;
    run.sri.tags += result.added;
  }
}
