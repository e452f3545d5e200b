import { readFileSync } from 'node:fs';
import { BATCH_MEDIA_TYPE, DEFAULT_ENDPOINT } from '@wirepack/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_COMPRESSION } from './adapters/node.ts';
import { DEFAULT_WIREPACK_SERVER_OPTIONS } from './adapters/production.ts';
import { DEFAULT_ADMISSION_OPTIONS, DEFAULT_INHERITED_HEADERS, DEFAULT_SERVER_LIMITS } from './index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the README table whose header starts with `firstColumn`, the first after `after`. */
function tableRows(firstColumn: string, after = ''): string[][] {
  const lines = readme.split('\n');
  const from = after === '' ? 0 : lines.indexOf(after);
  expect(from).toBeGreaterThan(-1);
  const start = lines.findIndex(
    (line, index) => index >= from && new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`).test(line),
  );
  expect(start).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('README', () => {
  it('states every limit with its real default', () => {
    const rows = tableRows('limit');
    const documented = Object.fromEntries(rows.map(([name, value]) => [name?.replaceAll('`', ''), value]));
    for (const [name, value] of Object.entries(DEFAULT_SERVER_LIMITS)) {
      if (name === 'decode') {
        expect(documented.decode).toBe('`DEFAULT_DECODE_LIMITS`');
        continue;
      }
      expect(documented[name], name).toBe(String(value));
    }
    expect(Object.keys(documented).sort()).toEqual(Object.keys(DEFAULT_SERVER_LIMITS).sort());
  });

  it('states the endpoint and the inherited headers the code uses', () => {
    const options = Object.fromEntries(tableRows('option').map(([name, value]) => [name, value]));
    expect(options['`endpoint`']).toBe(`\`'${DEFAULT_ENDPOINT}'\``);
    expect(options['`inheritHeaders`']).toBe('`[]`');
    expect(options['`exposeSetCookie`']).toBe('`false`');
    // The "How a call runs" section lists the allowlist the code uses, in its order.
    const listed = DEFAULT_INHERITED_HEADERS.map((name) => `\`${name}\``).join(', ');
    expect(readme.replace(/\s+/g, ' ')).toContain(
      `\`DEFAULT_INHERITED_HEADERS\` from the batch request: ${listed}`,
    );
    expect(BATCH_MEDIA_TYPE).toMatch(/^application\//);
  });

  it('states every production server option with its real default', () => {
    const rows = tableRows('server option', '## Running it in production');
    const documented = Object.fromEntries(rows.map(([name, value]) => [name?.replaceAll('`', ''), value]));
    expect(Object.keys(documented).sort()).toEqual(
      [...Object.keys(DEFAULT_WIREPACK_SERVER_OPTIONS), 'app', 'priorityOf', 'onError'].sort(),
    );
    for (const [name, value] of Object.entries(DEFAULT_WIREPACK_SERVER_OPTIONS)) {
      const shown =
        typeof value === 'object'
          ? `\`${JSON.stringify(value)}\``
          : value === 10_000
            ? '10000'
            : `\`${value}\``;
      expect(documented[name], name).toBe(shown);
    }
  });

  it('states the compression defaults the Node adapters use', () => {
    const text = readme.replace(/\s+/g, ' ');
    const { brotliQuality, gzipLevel, zstdLevel, minBytes } = DEFAULT_NODE_COMPRESSION;
    expect(text).toContain(
      `brotli quality ${brotliQuality} (\`brotliQuality\`), gzip level ${gzipLevel} (\`gzipLevel\`), zstd level ${zstdLevel} (\`zstdLevel\`)`,
    );
    expect(text).toContain(`a first chunk under ${minBytes} bytes (\`minBytes\`)`);
  });

  it('states every admission option with its real default', () => {
    const rows = tableRows('option', '## Admission control');
    const documented = Object.fromEntries(rows.map(([name, value]) => [name?.replaceAll('`', ''), value]));
    for (const [name, value] of Object.entries(DEFAULT_ADMISSION_OPTIONS)) {
      expect(documented[name], name).toBe(String(value));
    }
    expect(Object.keys(documented).sort()).toEqual(
      [...Object.keys(DEFAULT_ADMISSION_OPTIONS), 'onShed', 'underPressure'].sort(),
    );
  });
});

describe('README: static files', () => {
  it('states the defaults serveStatic uses', async () => {
    const { DEFAULT_SERVE_STATIC_OPTIONS } = await import('./adapters/serve-static.ts');
    const documented = Object.fromEntries(
      tableRows('static option').map(([name, value]) => [
        name?.replaceAll('`', ''),
        value?.replaceAll('`', ''),
      ]),
    );
    expect(documented.manifest).toBe(DEFAULT_SERVE_STATIC_OPTIONS.manifest);
    expect(documented.index).toBe(DEFAULT_SERVE_STATIC_OPTIONS.index);
    expect(documented.spaFallback).toBe(String(DEFAULT_SERVE_STATIC_OPTIONS.spaFallback));
    expect(documented.bufferLimit).toBe(String(DEFAULT_SERVE_STATIC_OPTIONS.bufferLimit));
  });
});
