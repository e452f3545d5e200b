// The README states defaults and the bundle size: these tests keep them true.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../scripts/browser-bundle.ts';
import { DEFAULT_BATCH_FETCH_OPTIONS } from './index.ts';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function tableDefault(option: string): string {
  const row = readme.split('\n').find((line) => new RegExp(`^\\| \`${option}\` +\\|`).test(line));
  if (row === undefined) throw new Error(`README has no options row for ${option}`);
  return (row.split('|')[2] ?? '').trim().replaceAll('`', '');
}

describe('README', () => {
  it('states the defaults the code uses', () => {
    const d = DEFAULT_BATCH_FETCH_OPTIONS;
    expect(tableDefault('endpoint')).toBe(`'${d.endpoint}'`);
    expect(tableDefault('credentials')).toBe(`'${d.credentials}'`);
    expect(Number(tableDefault('windowMs'))).toBe(d.windowMs);
    expect(Number(tableDefault('lowPriorityWindowMs'))).toBe(d.lowPriorityWindowMs);
    expect(Number(tableDefault('maxBatchSize'))).toBe(d.maxBatchSize);
    expect(Number(tableDefault('maxBatchBytes'))).toBe(d.maxBatchBytes);
    expect(tableDefault('compressRequests')).toBe(`'${d.compressRequests}'`);
    expect(Number(tableDefault('compressMinBytes'))).toBe(d.compressMinBytes);
    expect(tableDefault('jsonBodiesAsValues')).toBe(String(d.jsonBodiesAsValues));
    expect(tableDefault('dedupe')).toBe(String(d.dedupe));
    expect(readme).toContain(
      `{ maxEntries = ${d.cacheMaxEntries}, ttlMs = ${d.cacheTtlMs}, maxBytes = ${d.cacheMaxBytes} }`,
    );
    expect(tableDefault('retry')).toBe(
      `{ limit = ${d.retryLimit}, maxRetryAfterMs = ${d.retryMaxRetryAfterMs} }`,
    );
  });

  it('states the min+gzip bundle size within 0.5 KiB (run `pnpm --filter @wirepack/client size` to update)', async () => {
    const gzipKiB = (await buildBrowserBundle()).gzipBytes / 1024;
    const stated = Number(/\*\*(\d+(?:\.\d+)?) KiB min\+gzip\*\*/.exec(readme)?.[1]);
    expect(Math.abs(stated - gzipKiB)).toBeLessThan(0.5);
  });
});
