import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { BATCH_MEDIA_TYPE, CANCEL_MEDIA_TYPE, DEFAULT_ENDPOINT, FRAMES_MEDIA_TYPE } from './constants.ts';
import { ERROR_STATUS } from './errors.ts';
import { STATIC_HEADERS } from './headers.ts';
import { DEFAULT_DECODE_LIMITS } from './limits.ts';

// The README is the specification: the values it states must be the ones the code uses.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Every table row of the README as trimmed cells (the formatter pads them). */
const rows = readme
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim()),
  );

test('the error table lists every code with its status, and nothing else', () => {
  const table = rows.filter(
    ([code, status]) => /^`[A-Z_]+`$/.test(code ?? '') && /^\d{3}$/.test(status ?? ''),
  );
  expect(
    Object.fromEntries(table.map(([code, status]) => [code?.slice(1, -1), Number(status)])),
  ).toStrictEqual(ERROR_STATUS);
});

test('media types and the endpoint are the ones in the code', () => {
  for (const value of [BATCH_MEDIA_TYPE, FRAMES_MEDIA_TYPE, CANCEL_MEDIA_TYPE, DEFAULT_ENDPOINT]) {
    expect(readme).toContain(value);
  }
});

test('the limits table states the defaults', () => {
  const stated = (name: string): string | undefined =>
    rows.find(([cell]) => cell?.startsWith(`\`${name}\``))?.[1];
  const mib = (bytes: number): string => `${bytes / 1024 / 1024} MiB`;
  expect(stated('maxBytes')).toBe(mib(DEFAULT_DECODE_LIMITS.maxBytes));
  expect(stated('maxDepth')).toBe(String(DEFAULT_DECODE_LIMITS.maxDepth));
  expect(stated('maxEntries')).toBe(DEFAULT_DECODE_LIMITS.maxEntries.toLocaleString('en-US'));
  expect(stated('maxStringBytes')).toBe(mib(DEFAULT_DECODE_LIMITS.maxStringBytes));
  expect(stated('maxBinaryBytes')).toBe(mib(DEFAULT_DECODE_LIMITS.maxBinaryBytes));
  expect(stated('maxExpandedBytes')).toBe(mib(DEFAULT_DECODE_LIMITS.maxExpandedBytes));
});

test('the spec warns that Set-Cookie in a frame sets no browser cookie, and how to log in', () => {
  const frames = readme.slice(readme.indexOf('## 4.'), readme.indexOf('## 5.'));
  expect(frames).toMatch(/`Set-Cookie`[^.]*cannot set\s+browser cookies/);
  expect(frames).toContain('`batch: false`');
});

test('the static header table in the spec is the one in the code', () => {
  const table = rows.filter(
    ([index, name, value]) => /^\d+$/.test(index ?? '') && name?.startsWith('`') && value?.startsWith('`'),
  );
  expect(table.map(([, name, value]) => [name?.slice(1, -1), value?.slice(1, -1)])).toStrictEqual(
    STATIC_HEADERS.map(([name, value]) => [name, value]),
  );
});
