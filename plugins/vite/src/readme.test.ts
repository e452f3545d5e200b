import { readFileSync } from 'node:fs';
import { CACHE_CONTROL_IMMUTABLE, CACHE_CONTROL_REVALIDATE } from '@wirepack/manifest';
import { describe, expect, it } from 'vitest';
import { contentTypeFromName } from './content-types.ts';
import { EARLY_MAX_BYTES } from './early-precompress.ts';
import { DEFAULT_OPTIONS } from './options.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The Default column of the README's options table, by option name. */
function documentedDefaults(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readme.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
    const name = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (name !== undefined && cells.length >= 5) rows.set(name, cells[3]!);
  }
  return rows;
}

describe('README', () => {
  it('states the defaults the code uses', () => {
    const defaults = documentedDefaults();
    expect(defaults.get('brotli')).toBe(`\`{ quality: ${DEFAULT_OPTIONS.brotliQuality} }\``);
    expect(defaults.get('gzip')).toBe(`\`{ level: ${DEFAULT_OPTIONS.gzipLevel} }\``);
    expect(defaults.get('zstd')).toBe('`false`');
    expect(readme).toContain(`(\`true\` means level ${DEFAULT_OPTIONS.zstdLevel})`);
    expect(defaults.get('threshold')).toBe(`\`${DEFAULT_OPTIONS.threshold}\``);
    expect(defaults.get('ratio')).toBe(`\`${DEFAULT_OPTIONS.ratio}\``);
    expect(defaults.get('sri')).toBe(`\`${DEFAULT_OPTIONS.sri}\``);
    expect(defaults.get('early')).toBe(`\`${DEFAULT_OPTIONS.early}\``);
    expect(readme).toContain(`(up to ${EARLY_MAX_BYTES / 1024 / 1024} MiB each)`);
    expect(defaults.get('manifest')).toBe(`\`'${DEFAULT_OPTIONS.manifest}'\``);
    expect(defaults.get('preview')).toBe(`\`${DEFAULT_OPTIONS.preview}\``);
    expect(defaults.get('report')).toBe(`\`${DEFAULT_OPTIONS.report}\``);
    expect(readme).toContain(`\`maxSize\` to \`${DEFAULT_OPTIONS.cacheMaxSize}\` bytes`);
    expect(readme).toContain(`\`<cacheDir>/${DEFAULT_OPTIONS.cacheSubdirectory}\``);
    expect([...defaults.keys()].sort()).toEqual(
      [
        'brotli',
        'cache',
        'concurrency',
        'early',
        'environments',
        'exclude',
        'filter',
        'gzip',
        'include',
        'manifest',
        'onReport',
        'preview',
        'ratio',
        'report',
        'sri',
        'threshold',
        'zstd',
      ].sort(),
    );
  });

  it('lists compressed and never-compressed types the way the table decides them', () => {
    const section = readme.slice(
      readme.indexOf('### What gets compressed'),
      readme.indexOf('## The manifest'),
    );
    const compressed = section.slice(0, section.indexOf('Already-compressed'));
    const never = section.slice(section.indexOf('Already-compressed'), section.indexOf('A file without'));
    const extensions = [...compressed.matchAll(/`\.(\w+)`/g)];
    expect(extensions.length).toBeGreaterThan(15);
    for (const [, extension] of extensions) {
      expect([extension, contentTypeFromName(`f.${extension}`)?.compressible]).toEqual([extension, true]);
    }
    const formats = never.replace(/\n/g, ' ').match(/compressed formats never are: ([^.]+)/)![1]!;
    const names = formats.replace(' and friends', '').split(/,\s*/);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect([name, contentTypeFromName(`f.${name}`)?.compressible]).toEqual([name, false]);
    }
  });

  it('quotes the cache-control values the manifest uses', () => {
    expect(readme).toContain(CACHE_CONTROL_IMMUTABLE);
    expect(readme).toContain(CACHE_CONTROL_REVALIDATE);
  });
});
