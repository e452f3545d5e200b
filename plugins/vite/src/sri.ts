/**
 * Adds Subresource Integrity (https://www.w3.org/TR/SRI/) to an HTML document's
 * `<script src>`, `<link rel="stylesheet">` and `<link rel="modulepreload">` tags.
 *
 * The document is scanned, not parsed into a tree and printed back: everything but the inserted
 * ` integrity="..."` attributes stays byte for byte as Vite and other plugins wrote it. Comments
 * and the raw text of `<script>`, `<style>`, `<textarea>` and `<title>` are skipped, so a tag
 * quoted inside inline code is never touched.
 *
 * `crossorigin` is never added. Module scripts and modulepreload are always fetched in CORS mode,
 * so SRI applies to them as they are. Classic scripts and stylesheets are fetched in no-cors mode:
 * from the same origin SRI still works, but a cross-origin response is opaque and SRI would block
 * it, and adding `crossorigin` would instead require the other origin to send CORS headers and
 * would change which credentials are sent. Neither is safe to decide for the user, so such a tag
 * is left without integrity and reported (`skipped`), and the user adds `crossorigin` themselves.
 */

/** A tag that can carry integrity, as found in the document. */
export interface IntegrityCandidate {
  /** The `src`/`href` value, entity-decoded. */
  readonly url: string;
  /** `script`, `stylesheet` or `modulepreload`. */
  readonly kind: 'script' | 'stylesheet' | 'modulepreload';
}

/** The rewritten document and what happened to each candidate tag. */
export interface IntegrityResult {
  readonly html: string;
  /** Tags that received an `integrity` attribute. */
  readonly added: number;
  /** URLs left without integrity because SRI would block them (cross-origin, no `crossorigin`). */
  readonly skipped: readonly string[];
}

/** A start tag found by `scanStartTags`. */
export interface StartTag {
  /** The tag name, lower-cased. */
  readonly name: string;
  readonly attributes: readonly Attribute[];
  /** Offset of the `<`. */
  readonly start: number;
  /** Offset just past the closing `>`. */
  readonly end: number;
  readonly selfClosing: boolean;
  /** For `script`, `style`, `textarea` and `title`: the offset where their raw text ends. */
  readonly textEnd: number | undefined;
}

/** An attribute of a start tag: name lower-cased, value entity-decoded (`undefined` when bare). */
export interface Attribute {
  readonly name: string;
  readonly value: string | undefined;
}

const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);

/**
 * The start tags of a document in order, skipping comments and the raw text of `<script>`,
 * `<style>`, `<textarea>` and `<title>`; stops at truncated markup.
 */
export function* scanStartTags(html: string): Generator<StartTag> {
  let index = 0;
  while (index < html.length) {
    const open = html.indexOf('<', index);
    if (open === -1) return;
    if (html.startsWith('<!--', open)) {
      const close = html.indexOf('-->', open + 4);
      index = close === -1 ? html.length : close + 3;
      continue;
    }
    const name = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(html.slice(open, open + 64))?.[1]?.toLowerCase();
    if (name === undefined) {
      index = open + 1;
      continue;
    }
    const tag = scanStartTag(html, open + 1 + name.length);
    if (tag === undefined) return;
    index = tag.end;
    let textEnd: number | undefined;
    if (RAW_TEXT.has(name)) {
      const close = html.slice(index).search(new RegExp(`</${name}[\\s/>]`, 'i'));
      textEnd = close === -1 ? html.length : index + close;
      index = textEnd;
    }
    yield {
      name,
      attributes: tag.attributes,
      start: open,
      end: tag.end,
      selfClosing: tag.selfClosing,
      textEnd,
    };
  }
}

/**
 * Inserts `integrity` into every eligible tag for which `integrityOf(url)` returns a value; tags
 * that already have `integrity`, or point at files `integrityOf` does not know, are left alone.
 */
export function addIntegrity(
  html: string,
  integrityOf: (candidate: IntegrityCandidate) => string | undefined,
): IntegrityResult {
  let output = '';
  let copied = 0;
  let added = 0;
  const skipped: string[] = [];
  for (const tag of scanStartTags(html)) {
    const candidate =
      tag.name === 'script' || tag.name === 'link' ? candidateOf(tag.name, tag.attributes) : undefined;
    if (candidate === undefined) continue;
    const integrity = integrityOf(candidate);
    if (integrity === undefined) continue;
    if (needsCorsForIntegrity(candidate, tag.attributes)) {
      skipped.push(candidate.url);
      continue;
    }
    const insertAt = tag.selfClosing ? tag.end - 2 : tag.end - 1;
    const before = html.slice(copied, insertAt);
    const spacer = /\s$/.test(before) ? '' : ' ';
    output += `${before}${spacer}integrity="${integrity}"${tag.selfClosing ? ' ' : ''}`;
    copied = insertAt;
    added += 1;
  }
  output += html.slice(copied);
  return { html: output, added, skipped };
}

/** Reads attributes from just after the tag name to the closing `>`; `end` is past the `>`. */
function scanStartTag(
  html: string,
  from: number,
): { attributes: Attribute[]; end: number; selfClosing: boolean } | undefined {
  const attributes: Attribute[] = [];
  const pattern = /\s*(?:(\/?>)|([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?|(\/))/y;
  pattern.lastIndex = from;
  while (pattern.lastIndex < html.length) {
    const match = pattern.exec(html);
    if (match === null) return undefined;
    if (match[1] !== undefined) return { attributes, end: pattern.lastIndex, selfClosing: match[1] === '/>' };
    if (match[2] !== undefined) {
      const raw = match[3] ?? match[4] ?? match[5];
      attributes.push({
        name: match[2].toLowerCase(),
        value: raw === undefined ? undefined : decodeEntities(raw),
      });
    }
  }
  return undefined;
}

function candidateOf(
  name: 'script' | 'link',
  attributes: readonly Attribute[],
): IntegrityCandidate | undefined {
  const get = (key: string): string | undefined =>
    attributes.find((attribute) => attribute.name === key)?.value;
  if (attributes.some((attribute) => attribute.name === 'integrity')) return undefined;
  if (name === 'script') {
    const src = get('src');
    return src === undefined || src === '' ? undefined : { url: src, kind: 'script' };
  }
  const href = get('href');
  if (href === undefined || href === '') return undefined;
  const rel = (get('rel') ?? '').toLowerCase().split(/\s+/);
  if (rel.includes('stylesheet')) return { url: href, kind: 'stylesheet' };
  if (rel.includes('modulepreload')) return { url: href, kind: 'modulepreload' };
  return undefined;
}

/** True for a no-cors fetch of another origin, where SRI would block the opaque response. */
function needsCorsForIntegrity(candidate: IntegrityCandidate, attributes: readonly Attribute[]): boolean {
  if (attributes.some((attribute) => attribute.name === 'crossorigin')) return false;
  if (candidate.kind === 'modulepreload') return false;
  if (candidate.kind === 'script') {
    const type = attributes
      .find((attribute) => attribute.name === 'type')
      ?.value?.trim()
      .toLowerCase();
    if (type === 'module') return false;
  }
  return /^[a-z][a-z\d+.-]*:/i.test(candidate.url) || candidate.url.startsWith('//');
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(?:#(\d+)|#x([\da-f]+)|(amp|lt|gt|quot|apos));/gi, (match, dec, hex, named) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec));
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    return ENTITIES[String(named).toLowerCase()] ?? match;
  });
}
