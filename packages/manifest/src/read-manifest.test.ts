import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildManifest, serializeManifest } from './build-manifest.ts';
import { isManifestError, type ManifestErrorCode } from './errors.ts';
import { CACHE_CONTROL_IMMUTABLE, type ManifestFile } from './manifest.ts';
import { parseManifest, validateManifest } from './read-manifest.ts';

const schema = JSON.parse(readFileSync(new URL('../manifest.schema.json', import.meta.url), 'utf8'));
const schemaAccepts = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

// A mutable view of manifest JSON for the cases below, which edit it freely.
// biome-ignore lint/suspicious/noExplicitAny: test data edited by path, shape checked by the reader under test
type Loose = Record<string, any>;

const HASH = `sha256-${'A'.repeat(43)}=`;
const file = (path: string, extra: Partial<ManifestFile> = {}): ManifestFile => ({
  path,
  size: 10,
  hash: HASH,
  integrity: `sha384-${'B'.repeat(64)}`,
  contentType: 'text/javascript; charset=utf-8',
  immutable: true,
  cacheControl: CACHE_CONTROL_IMMUTABLE,
  encodings: { br: { path: `${path}.br`, size: 4, hash: `sha256-${'C'.repeat(43)}=` } },
  ...extra,
});
const good = (): Record<string, unknown> =>
  JSON.parse(
    serializeManifest(buildManifest({ base: '/app/', files: [file('assets/a-1.js'), file('read me.txt')] })),
  );

/** Runs the reader on a mutated copy of a good manifest; returns the error code or 'ok'. */
function codeOf(mutate: (json: Loose) => void): ManifestErrorCode | 'ok' {
  const json = good();
  mutate(json);
  try {
    validateManifest(json, { source: 'test.json' });
    return 'ok';
  } catch (error) {
    if (!isManifestError(error)) throw error;
    expect(error.message).toMatch(/^\[wirepack\/manifest\] test\.json: /);
    return error.code;
  }
}

describe('validateManifest', () => {
  it('accepts what buildManifest writes, as a frozen copy the schema accepts too', () => {
    const json = good();
    const manifest = validateManifest(json);
    expect(schemaAccepts(json)).toBe(true);
    expect(manifest).toEqual(json);
    expect(manifest).not.toBe(json);
    expect(Object.isFrozen(manifest.files['/app/read%20me.txt'])).toBe(true);
    expect(Object.isFrozen(manifest.files['/app/assets/a-1.js']!.encodings.br)).toBe(true);
  });

  // Each case breaks one rule; the reader and the JSON Schema must both refuse it (one contract), except
  // where a schema cannot say it: that a key is the URL of its entry's path.
  const readerOnly = new Set(['a key that is not its URL', 'a key without base']);
  const broken: Array<[string, ManifestErrorCode, (json: Loose) => void]> = [
    ['a newer version', 'MANIFEST_VERSION', (j) => (j.version = 2)],
    ['no version', 'MANIFEST_VERSION', (j) => delete j.version],
    ['another generator', 'MANIFEST_INVALID', (j) => (j.generator = 'x')],
    ['an unknown top-level field', 'MANIFEST_INVALID', (j) => (j.extra = 1)],
    ['a base without trailing slash', 'MANIFEST_INVALID', (j) => (j.base = '/app')],
    ['files as an array', 'MANIFEST_INVALID', (j) => (j.files = [])],
    [
      'a key that is not its URL',
      'MANIFEST_INVALID',
      (j) => moveKey(j, '/app/read%20me.txt', '/app/other.txt'),
    ],
    ['a key without base', 'MANIFEST_INVALID', (j) => moveKey(j, '/app/read%20me.txt', '/read%20me.txt')],
    ['an absolute path', 'MANIFEST_INVALID', (j) => setPath(j, '/etc/passwd')],
    ['a .. segment', 'MANIFEST_INVALID', (j) => setPath(j, 'assets/../../etc/passwd')],
    ['a . segment', 'MANIFEST_INVALID', (j) => setPath(j, './a.js')],
    ['an empty segment', 'MANIFEST_INVALID', (j) => setPath(j, 'assets//a.js')],
    ['a directory', 'MANIFEST_INVALID', (j) => setPath(j, 'assets/')],
    ['a backslash', 'MANIFEST_INVALID', (j) => setPath(j, '..\\..\\windows\\win.ini')],
    ['a drive letter', 'MANIFEST_INVALID', (j) => setPath(j, 'C:/Windows/win.ini')],
    ['a NUL', 'MANIFEST_INVALID', (j) => setPath(j, 'a.js\u0000.txt')],
    ['a sibling outside', 'MANIFEST_INVALID', (j) => (first(j).encodings.br.path = '../a.js.br')],
    ['an unknown coding', 'MANIFEST_INVALID', (j) => (first(j).encodings.deflate = first(j).encodings.br)],
    ['a negative size', 'MANIFEST_INVALID', (j) => (first(j).size = -1)],
    ['a fractional size', 'MANIFEST_INVALID', (j) => (first(j).size = 1.5)],
    ['a short hash', 'MANIFEST_INVALID', (j) => (first(j).hash = 'sha256-AAAA')],
    ['an md5 integrity', 'MANIFEST_INVALID', (j) => (first(j).integrity = 'md5-AAAA')],
    [
      'a CR/LF in Cache-Control',
      'MANIFEST_INVALID',
      (j) => (first(j).cacheControl = 'no-cache\r\nSet-Cookie: a=b'),
    ],
    ['a LF in Content-Type', 'MANIFEST_INVALID', (j) => (first(j).contentType = 'text/html\nX: y')],
    ['an empty Content-Type', 'MANIFEST_INVALID', (j) => (first(j).contentType = '')],
    ['immutable as a string', 'MANIFEST_INVALID', (j) => (first(j).immutable = 'true')],
    ['an unknown file field', 'MANIFEST_INVALID', (j) => (first(j).mtime = 1)],
    ['an unknown sibling field', 'MANIFEST_INVALID', (j) => (first(j).encodings.br.extra = 1)],
    ['no encodings', 'MANIFEST_INVALID', (j) => delete first(j).encodings],
  ];
  it.each(broken)('refuses %s with %s, as the schema does', (name, code, mutate) => {
    expect(codeOf(mutate)).toBe(code);
    const json = good();
    mutate(json);
    expect(schemaAccepts(json)).toBe(readerOnly.has(name));
  });

  it('does not let __proto__ keys reach an object prototype', () => {
    const text = serializeManifest(buildManifest({ base: '/', files: [file('a.js')] })).replace(
      '"encodings": {',
      '"encodings": { "__proto__": { "polluted": true },',
    );
    expect(() => parseManifest(text)).toThrow(/unknown coding "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('enforces its limits with MANIFEST_TOO_LARGE', () => {
    const json = good();
    expect(() => validateManifest(json, { limits: { maxFiles: 1 } })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_TOO_LARGE' }),
    );
    expect(() => validateManifest(json, { limits: { maxPathLength: 8 } })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_TOO_LARGE' }),
    );
    expect(() => parseManifest(JSON.stringify(json), { limits: { maxTextLength: 10 } })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_TOO_LARGE' }),
    );
  });

  it('reports text that is not JSON, and non-objects', () => {
    expect(() => parseManifest('{', { source: 'x' })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_NOT_JSON' }),
    );
    expect(() => validateManifest(null)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
    expect(() => validateManifest([])).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
  });
});

function first(json: Loose): Loose {
  return json.files['/app/assets/a-1.js'];
}
function moveKey(json: Loose, from: string, to: string): void {
  json.files[to] = json.files[from];
  delete json.files[from];
}
function setPath(json: Loose, path: string): void {
  // The key follows the path, so only the path rule is broken.
  const entry = json.files['/app/assets/a-1.js'];
  delete json.files['/app/assets/a-1.js'];
  entry.path = path;
  json.files[`/app/${encodeURI(path)}`] = entry;
}
