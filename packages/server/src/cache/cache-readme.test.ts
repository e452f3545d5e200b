import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_STORE_OPTIONS } from '../adapters/redis-store.ts';
import {
  DEFAULT_MEMORY_STORE_OPTIONS,
  DEFAULT_MSGPACK_HANDLER_OPTIONS,
  DEFAULT_RESPONSE_CACHE_OPTIONS,
} from '../index.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README table whose header starts with `firstColumn`, as name -> default. */
function defaults(firstColumn: string): Record<string, string> {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${firstColumn} `));
  expect(start).toBeGreaterThan(-1);
  const rows: Record<string, string> = {};
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [name = '', value = ''] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    rows[name.replace(/`/g, '').replace(/ \(.*\)$/, '')] = value.replace(/`/g, '');
  }
  return rows;
}

describe('README: cache and MessagePack defaults', () => {
  it('states the response cache defaults', () => {
    const rows = defaults('cache option');
    for (const [name, value] of Object.entries(DEFAULT_RESPONSE_CACHE_OPTIONS)) {
      expect(rows[name]).toBe(typeof value === 'string' ? `'${value}'` : String(value));
    }
  });

  it('states the store defaults', () => {
    const rows = defaults('store option');
    expect(rows.maxBytes).toBe(String(DEFAULT_MEMORY_STORE_OPTIONS.maxBytes));
    expect(rows.prefix).toBe(`'${DEFAULT_REDIS_STORE_OPTIONS.prefix}'`);
    expect(rows.namespace).toBe(`'${DEFAULT_REDIS_STORE_OPTIONS.namespace}'`);
    expect(rows.timeoutMs).toBe(String(DEFAULT_REDIS_STORE_OPTIONS.timeoutMs));
  });

  it('states the MessagePack middleware defaults', () => {
    const rows = defaults('msgpack option');
    for (const [name, value] of Object.entries(DEFAULT_MSGPACK_HANDLER_OPTIONS))
      expect(rows[name]).toBe(String(value));
  });
});
