import { posix } from 'node:path';
import { manifestUrlOf } from '@wirepack/manifest';
import { basePath } from './output-urls.js';
import { scanStartTags } from './sri.js';

/**
 * Integrity for the modules a page loads without a tag of its own: chunks reached by `import()`,
 * by static imports between chunks, and the `<link rel="modulepreload">` Vite's preload helper
 * inserts at run time. An `integrity` attribute only covers the tag it sits on; for the rest, the
 * HTML standard gives import maps an `"integrity"` section mapping module URLs to SRI metadata
 * (https://html.spec.whatwg.org/multipage/webappapis.html#resolving-a-module-integrity-metadata,
 * whatwg/html#10269): every module fetch of the page, dynamic imports and modulepreloads without
 * an `integrity` attribute included, is then checked against it, and a module whose bytes do not
 * match is refused before it runs. Chromium 127+, Safari 18+, Firefox 138+; older browsers ignore
 * the section and load modules as before.
 *
 * Import maps must be inline (no `src`) and must come before the first module load, so the map is
 * inserted before the page's first `<script>` or `<link rel="modulepreload">`. An inline import
 * map the page already has is merged into instead (its own entries win).
 */

/** What `addImportMapIntegrity` did to one document. */
export interface ImportMapResult {
  readonly html: string;
  /** Integrity entries written (new keys only). */
  readonly added: number;
  /**
   * `inserted`: a new import map; `merged`: into the page's own; `unchanged`: nothing to add or no
   * script loads on the page; `invalid`: the page's import map is not a JSON object, left alone.
   */
  readonly outcome: 'inserted' | 'merged' | 'unchanged' | 'invalid';
  /** Keys the page's own import map already maps to a different integrity value. */
  readonly conflicts: readonly string[];
}

/**
 * Adds `integrity` entries (module URL, as the page resolves it, to `sha384-...`) to the page's
 * import map, inserting one before the first script or modulepreload when the page has none.
 */
export function addImportMapIntegrity(html: string, integrity: ReadonlyMap<string, string>): ImportMapResult {
  const unchanged: ImportMapResult = { html, added: 0, outcome: 'unchanged', conflicts: [] };
  if (integrity.size === 0) return unchanged;
  let firstLoad: number | undefined;
  for (const tag of scanStartTags(html)) {
    const get = (key: string): string | undefined => tag.attributes.find((a) => a.name === key)?.value;
    if (tag.name === 'script') {
      const type = (get('type') ?? '').trim().toLowerCase();
      if (type === 'importmap' && get('src') === undefined && tag.textEnd !== undefined) {
        return mergeInto(html, tag.end, tag.textEnd, integrity);
      }
      firstLoad ??= tag.start;
    } else if (tag.name === 'link') {
      const rel = (get('rel') ?? '').toLowerCase().split(/\s+/);
      if (rel.includes('modulepreload')) firstLoad ??= tag.start;
    }
  }
  if (firstLoad === undefined) return unchanged;
  const indent = /[ \t]*$/.exec(html.slice(html.lastIndexOf('\n', firstLoad - 1) + 1, firstLoad))?.[0] ?? '';
  const entries = sortedObject(integrity);
  const map = `<script type="importmap">${scriptJson({ integrity: entries })}</script>\n${indent}`;
  return {
    html: html.slice(0, firstLoad) + map + html.slice(firstLoad),
    added: integrity.size,
    outcome: 'inserted',
    conflicts: [],
  };
}

function mergeInto(
  html: string,
  textStart: number,
  textEnd: number,
  integrity: ReadonlyMap<string, string>,
): ImportMapResult {
  let map: unknown;
  try {
    map = JSON.parse(html.slice(textStart, textEnd));
  } catch {
    map = undefined;
  }
  if (!isObject(map) || (map.integrity !== undefined && !isObject(map.integrity))) {
    return { html, added: 0, outcome: 'invalid', conflicts: [] };
  }
  const own = (map.integrity ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...own };
  const conflicts: string[] = [];
  let added = 0;
  for (const [key, value] of [...integrity].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (Object.hasOwn(own, key)) {
      if (own[key] !== value) conflicts.push(key);
      continue;
    }
    merged[key] = value;
    added += 1;
  }
  if (added === 0) return { html, added: 0, outcome: 'unchanged', conflicts };
  const text = scriptJson({ ...map, integrity: merged });
  return { html: html.slice(0, textStart) + text + html.slice(textEnd), added, outcome: 'merged', conflicts };
}

/**
 * The key under which a page's import map names an output file: the URL the browser resolves
 * the module to, written so the page resolves it back the same way. A full-URL `base` gives full
 * URLs, an absolute one root-relative paths, a relative one (`./`, `''`) paths relative to the
 * page, since the deployment path is unknown at build time.
 */
export function importMapKey(file: string, pageFile: string, base: string): string {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(base) || base.startsWith('//')) {
    const prefix = base.endsWith('/') ? base : `${base}/`;
    return prefix + manifestUrlOf(file, '/').slice(1);
  }
  if (base.startsWith('/')) return manifestUrlOf(file, basePath(base));
  const relative = posix.relative(posix.dirname(pageFile), file);
  const encoded = manifestUrlOf(relative.replace(/^(\.\.\/)+/, ''), '/').slice(1);
  const up = /^(\.\.\/)+/.exec(relative)?.[0] ?? './';
  return up + encoded;
}

/**
 * The chunks a page can load: its entry chunks and every chunk reachable from them through
 * static and dynamic imports (`graph`: chunk file name to the chunk file names it imports).
 */
export function reachableChunks(
  entries: Iterable<string>,
  graph: ReadonlyMap<string, readonly string[]>,
): string[] {
  const seen = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of graph.get(file) ?? []) if (!seen.has(next)) pending.push(next);
  }
  return [...seen].sort();
}

/** JSON safe inside a `<script>`: `<` escaped, so no `</script>` or `<!--` can end or bend it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function sortedObject(entries: ReadonlyMap<string, string>): Record<string, string> {
  const object: Record<string, string> = {};
  for (const key of [...entries.keys()].sort()) object[key] = entries.get(key)!;
  return object;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
