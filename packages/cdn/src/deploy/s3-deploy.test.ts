// The S3 + CloudFront recipe (docs/deploy.md) against the code it names: the table's headers per file class
// and every value the page states come from planS3Upload, cloudFrontEncodingFunction and keysToPrune; and a
// real Vite build of fixtures/small-app with @wirepack/vite-plugin gives an upload plan whose every object
// exists on disk with the bytes its headers describe.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  buildManifest,
  CACHE_CONTROL_IMMUTABLE,
  cacheControlFor,
  type ManifestFile,
  type WirepackManifest,
} from '@wirepack/manifest';
import wirepack, { contentTypeFromName } from '@wirepack/vite-plugin';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCdnError } from '../errors.ts';
import { cloudFrontEncodingFunction, ENCODED_VARY } from './cloudfront-encoding-function.ts';
import { DEFAULT_S3_DEPLOY_OPTIONS, keysToPrune, planS3Upload, type S3Object } from './s3-deploy.ts';

const doc = readFileSync(new URL('../../../../docs/deploy.md', import.meta.url), 'utf8');

/** The rows of the "Headers per file class" table, as cells with backticks kept. */
function documentedRows(): string[][] {
  const section = doc.slice(doc.indexOf('## Headers per file class'), doc.indexOf('\n- **Siblings.**'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

const code = (cell: string): string | undefined => /^`([^`]*)`$/.exec(cell)?.[1];

type CloudFrontEvent = {
  context: { eventType: 'viewer-request' | 'viewer-response' };
  request: { uri: string; headers: Record<string, { value: string }> };
  response?: { headers: Record<string, { value: string }> };
};

/** The generated CloudFront Function, run in a fresh V8 context (not CloudFront's own runtime). */
function runFunction(
  event: CloudFrontEvent,
  encodedPrefix?: string,
): CloudFrontEvent['request'] & CloudFrontEvent['response'] {
  const source = cloudFrontEncodingFunction(encodedPrefix === undefined ? {} : { encodedPrefix });
  return runInNewContext(`${source}\nhandler(event);`, { event: structuredClone(event) });
}

const requestFor = (uri: string, acceptEncoding?: string): CloudFrontEvent => ({
  context: { eventType: 'viewer-request' },
  request: {
    uri,
    headers: acceptEncoding === undefined ? {} : { 'accept-encoding': { value: acceptEncoding } },
  },
});

/** A manifest entry as the plugin writes one, for a path (type from the plugin's own table). */
function entry(path: string, immutable: boolean, codings: readonly ('br' | 'gzip')[] = []): ManifestFile {
  const suffix = { br: '.br', gzip: '.gz' };
  return {
    path,
    size: 100,
    hash: 'sha256-x',
    integrity: 'sha384-x',
    contentType: contentTypeFromName(path)!.contentType,
    immutable,
    cacheControl: cacheControlFor(immutable),
    encodings: Object.fromEntries(
      codings.map((coding) => [coding, { path: path + suffix[coding], size: 50, hash: 'sha256-y' }]),
    ),
  };
}

describe('docs/deploy.md', () => {
  it('states, per file class, the headers and phase planS3Upload gives its example key', () => {
    const rows = documentedRows();
    expect(rows.map((row) => row[0])).toHaveLength(6);
    const keys = rows.map((row) => code(row[1]!)!);
    // A manifest holding the table's example files: hashed assets under the prefix (one with siblings,
    // one without), a mutable page.
    const manifest = buildManifest({
      base: '/',
      files: [
        entry('assets/index-BkR2x0.js', true, ['br', 'gzip']),
        entry('assets/logo-Dx81aQ.png', true),
        entry('index.html', false),
      ],
    });
    const objects = new Map(planS3Upload(manifest).map((object) => [object.key, object]));
    for (const [row, key] of rows.map((row, index) => [row, keys[index]!] as const)) {
      const object = objects.get(key);
      expect(object, key).toBeDefined();
      const [, , phase, contentType, contentEncoding, cacheControl, vary] = row;
      expect(code(phase!), key).toBe(object!.phase);
      expect(code(contentEncoding!) ?? 'none', key).toBe(object!.contentEncoding ?? 'none');
      expect(code(cacheControl!), key).toBe(object!.cacheControl);
      // Content-Type: the stated example is the object's.
      const example = /`([^`]+)`/.exec(contentType!)?.[1];
      if (example !== undefined) expect(example, key).toBe(object!.contentType);
      else expect(object!.contentType, key).toBe(objects.get(key.replace(/\.(br|gz)$/, ''))!.contentType);
      // Vary: what the function's viewer-response half sets for that URL.
      const response = runFunction({
        context: { eventType: 'viewer-response' },
        request: { uri: `/${key}`, headers: {} },
        response: { headers: {} },
      });
      expect(code(vary!) ?? 'none', key).toBe(response.headers.vary?.value ?? 'none');
    }
    expect(objects.size).toBe(rows.length + 2); // + the png itself and its gzip stand-in, not in the table
  });

  it('states the defaults and values the code uses', () => {
    const { encodedPrefix, keepDeploys, graceDays, manifestKey } = DEFAULT_S3_DEPLOY_OPTIONS;
    expect(doc).toContain(`(\`encodedPrefix\`, default \`${encodedPrefix}\``);
    expect(doc).toContain(`keep the manifests of the last ${keepDeploys} deploys`);
    expect(doc).toContain(`last modified ${graceDays} days ago or\nearlier`);
    expect(doc).toContain(`readFile('dist/${manifestKey}'`);
    expect(doc).toContain(`Prefix: '${encodedPrefix.slice(1)}'`);
    expect(doc).toContain(`adds \`Vary: ${ENCODED_VARY}\``);
    expect(doc.match(/under `\/[^`]*\/`/g)?.every((match) => match === `under \`${encodedPrefix}\``)).toBe(
      true,
    );
    expect(doc).toContain('Runtime=cloudfront-js-2.0');
    expect(cloudFrontEncodingFunction()).toContain('function handler(event)');
  });
});

describe('cloudFrontEncodingFunction', () => {
  it('rewrites a request under the prefix to the sibling the viewer accepts, brotli first', () => {
    const uri = '/assets/index-BkR2x0.js';
    expect(runFunction(requestFor(uri, 'gzip, deflate, br, zstd')).uri).toBe(`${uri}.br`);
    expect(runFunction(requestFor(uri, 'gzip')).uri).toBe(`${uri}.gz`);
    expect(runFunction(requestFor(uri, 'br;q=0, gzip;q=0.5')).uri).toBe(`${uri}.gz`);
    expect(runFunction(requestFor(uri, 'BR')).uri).toBe(`${uri}.br`);
    expect(runFunction(requestFor(uri, '*')).uri).toBe(`${uri}.br`);
    expect(runFunction(requestFor(uri, '*, br;q=0')).uri).toBe(`${uri}.gz`);
    expect(runFunction(requestFor(uri, 'identity')).uri).toBe(uri);
    expect(runFunction(requestFor(uri, 'gzip;q=0, br;q=0')).uri).toBe(uri);
    expect(runFunction(requestFor(uri)).uri).toBe(uri);
  });

  it('leaves requests outside the prefix alone, and honours another prefix', () => {
    expect(runFunction(requestFor('/index.html', 'br')).uri).toBe('/index.html');
    expect(runFunction(requestFor('/assetsX/a.js', 'br')).uri).toBe('/assetsX/a.js');
    expect(runFunction(requestFor('/static/a.js', 'br'), '/static/').uri).toBe('/static/a.js.br');
    const response = runFunction({
      context: { eventType: 'viewer-response' },
      request: { uri: '/index.html', headers: {} },
      response: { headers: {} },
    });
    expect(response.headers).toEqual({});
  });
});

describe('planS3Upload', () => {
  it('refuses a mutable file under the prefix, and a sibling not where the function looks', () => {
    const mutable = buildManifest({ base: '/', files: [entry('assets/config.js', false)] });
    expect(() => planS3Upload(mutable)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
    const odd = entry('assets/a-1.js', true, ['br']);
    const moved = buildManifest({
      base: '/',
      files: [{ ...odd, encodings: { br: { ...odd.encodings.br!, path: 'assets/elsewhere.br' } } }],
    });
    try {
      planS3Upload(moved);
      expect.unreachable();
    } catch (error) {
      expect(isCdnError(error, 'MANIFEST_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/^\[wirepack\/cdn\] \/assets\/a-1\.js: its br sibling/);
    }
    expect(() => planS3Upload(mutable, { encodedPrefix: 'assets' })).toThrow(TypeError);
  });

  it('puts keys under the base, in phase order', () => {
    const manifest = buildManifest({
      base: '/shop/',
      files: [entry('index.html', false), entry('assets/a-1.js', true, ['br'])],
    });
    const plan = planS3Upload(manifest, { encodedPrefix: '/shop/assets/' });
    expect(plan.map((object) => [object.phase, object.key])).toEqual([
      ['assets', 'shop/assets/a-1.js'],
      ['assets', 'shop/assets/a-1.js.br'],
      ['assets', 'shop/assets/a-1.js.gz'],
      ['pages', 'shop/index.html'],
      ['manifest', 'shop/.wirepack/manifest.json'],
    ]);
  });
});

describe('keysToPrune', () => {
  const day = 86_400_000;
  const now = new Date('2026-12-08T00:00:00Z');
  const deploy = (name: string): WirepackManifest =>
    buildManifest({
      base: '/',
      files: [entry(`assets/${name}.js`, true, ['br']), entry('index.html', false)],
    });

  it('keeps what a kept deploy uploads and anything younger than the grace period', () => {
    const kept = [deploy('c-3'), deploy('b-2')];
    const old = new Date(now.getTime() - DEFAULT_S3_DEPLOY_OPTIONS.graceDays * day);
    const young = new Date(old.getTime() + 1);
    const listed = [
      { key: 'assets/a-1.js', lastModified: old },
      { key: 'assets/a-1.js.br', lastModified: old },
      { key: 'assets/a-1.js.gz', lastModified: old },
      { key: 'assets/b-2.js', lastModified: old },
      { key: 'assets/b-2.js.gz', lastModified: old },
      { key: 'assets/z-9.js', lastModified: young },
      { key: 'index.html', lastModified: old },
      { key: 'robots.txt', lastModified: old },
    ];
    expect(keysToPrune(listed, kept, { now })).toEqual([
      'assets/a-1.js',
      'assets/a-1.js.br',
      'assets/a-1.js.gz',
    ]);
    expect(keysToPrune(listed, kept, { now, graceDays: 30 })).toEqual([]);
    expect(() => keysToPrune(listed, [])).toThrow(TypeError);
    expect(() => keysToPrune(listed, kept, { graceDays: -1 })).toThrow(TypeError);
  });
});

describe('planS3Upload on a real build', () => {
  const fixture = fileURLToPath(new URL('../../../../fixtures/small-app/', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'wirepack-cdn-s3-'));
  const dist = join(work, 'dist');
  let plan: S3Object[];
  let manifest: WirepackManifest;
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  beforeAll(async () => {
    await build({
      root: fixture,
      configFile: join(fixture, 'vite.config.ts'),
      cacheDir: join(work, 'vite-cache'),
      logLevel: 'silent',
      build: { outDir: dist, emptyOutDir: true },
      plugins: [wirepack({ brotli: { quality: 5 }, cache: { dir: join(work, 'wirepack-cache') } })],
    });
    manifest = JSON.parse(readFileSync(join(dist, '.wirepack/manifest.json'), 'utf8'));
    plan = planS3Upload(manifest);
  }, 120_000);

  it('uploads every file once, its sibling keys under /assets/, and the manifest last', () => {
    const sources = new Set(
      plan
        .filter((object) => object.key === object.source && object.contentEncoding === undefined)
        .map((object) => object.source),
    );
    expect([...sources].sort()).toEqual(
      [
        ...Object.values(manifest.files).map((file) => file.path),
        DEFAULT_S3_DEPLOY_OPTIONS.manifestKey,
      ].sort(),
    );
    expect(plan.at(-1)!.phase).toBe('manifest');
    const phases = plan.map((object) => object.phase);
    expect(phases).toEqual(
      [...phases].sort(
        (a, b) => ['assets', 'pages', 'manifest'].indexOf(a) - ['assets', 'pages', 'manifest'].indexOf(b),
      ),
    );
    for (const [url, file] of Object.entries(manifest.files)) {
      const keys = plan.filter((object) => object.source.startsWith(file.path)).map((object) => object.key);
      if (url.startsWith('/assets/'))
        expect(keys).toEqual(expect.arrayContaining([file.path, `${file.path}.br`, `${file.path}.gz`]));
    }
    expect(plan.filter((object) => object.contentEncoding !== undefined).length).toBeGreaterThan(0);
  });

  it('gives every object headers true to the bytes it uploads', () => {
    const byPath = new Map(Object.values(manifest.files).map((file) => [file.path, file]));
    for (const object of plan) {
      const bytes = readFileSync(join(dist, object.source));
      if (object.phase === 'manifest') continue;
      const identity = byPath.get(object.key) ?? byPath.get(object.key.replace(/\.(br|gz)$/, ''));
      expect(identity, object.key).toBeDefined();
      expect(object.contentType).toBe(identity!.contentType);
      expect(object.cacheControl).toBe(
        identity!.immutable ? CACHE_CONTROL_IMMUTABLE : identity!.cacheControl,
      );
      const original = readFileSync(join(dist, identity!.path));
      const decoded =
        object.contentEncoding === 'br'
          ? brotliDecompressSync(bytes)
          : object.contentEncoding === 'gzip'
            ? gunzipSync(bytes)
            : bytes;
      expect(decoded.equals(original), object.key).toBe(true);
    }
  });
});
