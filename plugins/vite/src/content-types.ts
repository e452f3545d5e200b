/**
 * What each output file is, and whether compressing it can pay.
 *
 * The decision is made from the content type, not the extension alone: an extension maps to a
 * content type (the table below), the content type decides compressibility (`isCompressibleType`), and a
 * file whose extension is unknown is classified by sniffing its first bytes (`sniffContentType`).
 * Types are the IANA registrations browsers expect (https://www.iana.org/assignments/media-types/),
 * with `charset=utf-8` on text so a CDN can pass the header through unchanged.
 */

/** The content type of a file and whether a compressed sibling is worth trying. */
export interface ContentTypeInfo {
  /** Full `Content-Type` header value, e.g. `text/javascript; charset=utf-8`. */
  readonly contentType: string;
  /** True when the format is not already compressed (text, uncompressed fonts and images, wasm). */
  readonly compressible: boolean;
}

const TEXT = '; charset=utf-8';

/** Extension (lower case, with dot) to content type. Compressibility derives from the type. */
const EXTENSION_TYPES: Readonly<Record<string, string>> = Object.freeze({
  // Scripts, styles, documents
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  '.cjs': `text/javascript${TEXT}`,
  '.css': `text/css${TEXT}`,
  '.html': `text/html${TEXT}`,
  '.htm': `text/html${TEXT}`,
  '.xhtml': `application/xhtml+xml${TEXT}`,
  '.json': `application/json${TEXT}`,
  '.map': `application/json${TEXT}`,
  '.jsonld': `application/ld+json${TEXT}`,
  '.webmanifest': `application/manifest+json${TEXT}`,
  '.geojson': `application/geo+json${TEXT}`,
  '.topojson': `application/json${TEXT}`,
  '.ndjson': `application/x-ndjson${TEXT}`,
  '.xml': `application/xml${TEXT}`,
  '.rss': `application/rss+xml${TEXT}`,
  '.atom': `application/atom+xml${TEXT}`,
  '.xsl': `application/xslt+xml${TEXT}`,
  '.txt': `text/plain${TEXT}`,
  '.md': `text/markdown${TEXT}`,
  '.csv': `text/csv${TEXT}`,
  '.tsv': `text/tab-separated-values${TEXT}`,
  '.vtt': `text/vtt${TEXT}`,
  '.ics': `text/calendar${TEXT}`,
  '.yaml': `application/yaml${TEXT}`,
  '.yml': `application/yaml${TEXT}`,
  '.toml': `application/toml${TEXT}`,
  '.glsl': `text/plain${TEXT}`,
  '.wgsl': `text/plain${TEXT}`,
  '.ts': `text/plain${TEXT}`,
  // Binary but uncompressed
  '.wasm': 'application/wasm',
  '.svg': `image/svg+xml${TEXT}`,
  '.ico': 'image/x-icon',
  '.cur': 'image/x-icon',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.ttc': 'font/collection',
  '.eot': 'application/vnd.ms-fontobject',
  '.gltf': `model/gltf+json${TEXT}`,
  '.obj': `model/obj${TEXT}`,
  '.stl': 'model/stl',
  '.pdb': `chemical/x-pdb${TEXT}`,
  '.wav': 'audio/wav',
  // Already compressed: never worth a sibling
  '.png': 'image/png',
  '.apng': 'image/apng',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.jxl': 'image/jxl',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.glb': 'model/gltf-binary',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/opus',
  '.flac': 'audio/flac',
  '.aac': 'audio/aac',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.br': 'application/x-brotli',
  '.zst': 'application/zstd',
  '.xz': 'application/x-xz',
  '.bz2': 'application/x-bzip2',
  '.7z': 'application/x-7z-compressed',
  '.rar': 'application/vnd.rar',
  '.jar': 'application/java-archive',
  '.ktx2': 'image/ktx2',
  '.basis': 'application/octet-stream',
});

/** Types that are not `text/*`, `+json` or `+xml` but still compress well. */
const COMPRESSIBLE_TYPES: ReadonlySet<string> = new Set([
  'application/javascript',
  'application/json',
  'application/xml',
  'application/wasm',
  'application/yaml',
  'application/toml',
  'application/x-ndjson',
  'application/vnd.ms-fontobject',
  'image/svg+xml',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'image/bmp',
  'image/tiff',
  'font/ttf',
  'font/otf',
  'font/collection',
  'model/obj',
  'model/stl',
  'chemical/x-pdb',
  'audio/wav',
]);

/** The fallback when nothing is known: served as bytes, never compressed. */
export const UNKNOWN_CONTENT_TYPE = 'application/octet-stream';

/** Lower-cased extension of a path's last segment including the dot, or `''` when it has none. */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** True when a content type (with or without parameters) is worth compressing. */
export function isCompressibleType(contentType: string): boolean {
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (essence.startsWith('text/')) return true;
  if (essence.endsWith('+json') || essence.endsWith('+xml')) return true;
  return COMPRESSIBLE_TYPES.has(essence);
}

/**
 * Content type from the file name alone; `undefined` when the extension is not in the table (the
 * caller then sniffs the bytes).
 */
export function contentTypeFromName(path: string): ContentTypeInfo | undefined {
  const type = EXTENSION_TYPES[extensionOf(path)];
  if (type === undefined) return undefined;
  return { contentType: type, compressible: isCompressibleType(type) };
}

/** Bytes that start common compressed containers, for files whose extension says nothing. */
const COMPRESSED_MAGIC: readonly (readonly number[])[] = [
  [0x1f, 0x8b], // gzip
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
  [0x50, 0x4b, 0x03, 0x04], // zip
  [0x89, 0x50, 0x4e, 0x47], // png
  [0xff, 0xd8, 0xff], // jpeg
  [0x47, 0x49, 0x46, 0x38], // gif
  [0x77, 0x4f, 0x46, 0x32], // woff2
  [0x77, 0x4f, 0x46, 0x46], // woff
  [0x25, 0x50, 0x44, 0x46], // pdf
  [0xfd, 0x37, 0x7a, 0x58, 0x5a], // xz
];

/** How many leading bytes `sniffContentType` looks at. */
export const SNIFF_BYTES = 1024;

/**
 * Classifies bytes of a file with an unknown extension (`LICENSE`, `_redirects`, `data.bin`):
 * plain UTF-8 text without control bytes is `text/plain`, wasm is `application/wasm`, anything
 * else is opaque and left uncompressed.
 */
export function sniffContentType(head: Uint8Array): ContentTypeInfo {
  const starts = (magic: readonly number[]): boolean => magic.every((byte, i) => head[i] === byte);
  if (starts([0x00, 0x61, 0x73, 0x6d])) return { contentType: 'application/wasm', compressible: true };
  if (head.length === 0 || COMPRESSED_MAGIC.some(starts)) {
    return { contentType: UNKNOWN_CONTENT_TYPE, compressible: false };
  }
  for (const byte of head) {
    // NUL and C0 controls other than tab, LF, FF, CR never appear in text files.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) {
      return { contentType: UNKNOWN_CONTENT_TYPE, compressible: false };
    }
  }
  // A multi-byte sequence cut at the sniff boundary is still text: `stream` leaves it pending.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length >= SNIFF_BYTES });
  } catch {
    return { contentType: UNKNOWN_CONTENT_TYPE, compressible: false };
  }
  return { contentType: `text/plain${TEXT}`, compressible: true };
}
