import { readFileSync } from 'node:fs';
import { BATCH_MEDIA_TYPE, DEFAULT_ENDPOINT } from '@wirepack/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INHERITED_HEADERS, DEFAULT_SERVER_LIMITS } from './index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the README table whose header starts with `firstColumn`. */
function tableRows(firstColumn: string): string[][] {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`).test(line));
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
    // The "How a call runs" section lists the allowlist the code uses, in its order.
    const listed = DEFAULT_INHERITED_HEADERS.map((name) => `\`${name}\``).join(', ');
    expect(readme.replace(/\s+/g, ' ')).toContain(
      `\`DEFAULT_INHERITED_HEADERS\` from the batch request: ${listed}`,
    );
    expect(BATCH_MEDIA_TYPE).toMatch(/^application\//);
  });
});

describe('README: static files', () => {
  it('states the defaults serveStatic uses', async () => {
    const { SERVE_STATIC_DEFAULTS } = await import('./adapters/serve-static.ts');
    const documented = Object.fromEntries(
      tableRows('static option').map(([name, value]) => [name?.replaceAll('`', ''), value?.replaceAll('`', '')]),
    );
    expect(documented.manifest).toBe(SERVE_STATIC_DEFAULTS.manifest);
    expect(documented.index).toBe(SERVE_STATIC_DEFAULTS.index);
    expect(documented.spaFallback).toBe(String(SERVE_STATIC_DEFAULTS.spaFallback));
    expect(documented.bufferLimit).toBe(String(SERVE_STATIC_DEFAULTS.bufferLimit));
  });
});
