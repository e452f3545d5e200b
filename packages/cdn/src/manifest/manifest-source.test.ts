import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdnError } from '../errors.ts';
import { loadManifest } from './manifest-source.ts';

const body = JSON.stringify({
  version: 1,
  files: { '/index.html': { size: 1, hash: 'h', immutable: false } },
});
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/manifest.json') response.end(body);
    else if (request.url === '/slow') setTimeout(() => response.end(body), 2000).unref();
    else if (request.url === '/huge') response.end('x'.repeat(5000));
    else if (request.url?.startsWith('/not-json')) response.end('<html>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const failure = async (promise: Promise<unknown>): Promise<CdnError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CdnError);
  return error as CdnError;
};

describe('loadManifest', () => {
  it('reads a file and a URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirepack-cdn-source-'));
    writeFileSync(join(dir, 'm.json'), body);
    expect((await loadManifest(join(dir, 'm.json'))).files.size).toBe(1);
    expect((await loadManifest(`${origin}/manifest.json`, { role: 'previous' })).files.size).toBe(1);
  });

  it('gives coded errors for missing files, HTTP errors, timeouts, size limits and bad JSON', async () => {
    expect((await failure(loadManifest('/nonexistent/m.json'))).code).toBe('MANIFEST_UNREADABLE');
    const missing = await failure(loadManifest(`${origin}/gone.json`, { role: 'previous' }));
    expect(missing.code).toBe('PREVIOUS_UNAVAILABLE');
    expect(missing.message).toMatch(/HTTP 404; on a first deploy, omit --previous/);
    const slow = await failure(loadManifest(`${origin}/slow`, { role: 'previous', timeoutMs: 100 }));
    expect(slow.message).toMatch(/timed out after 100 ms/);
    expect((await failure(loadManifest(`${origin}/huge`, { maxBytes: 1000 }))).message).toMatch(
      /larger than 1000 bytes/,
    );
    expect((await failure(loadManifest(`${origin}/not-json`))).code).toBe('MANIFEST_INVALID');
  });

  it('never shows a URL query (a presigned URL carries a credential and a signature)', async () => {
    const presigned = `${origin}/not-json?X-Amz-Credential=AKIDSECRETID%2F20261127&X-Amz-Signature=deadbeef`;
    const error = await failure(loadManifest(presigned, { role: 'previous' }));
    expect(error.message).toContain(`${origin}/not-json?…`);
    expect(error.message).not.toMatch(/AKIDSECRETID|deadbeef/);
  });

  it('refuses plain http off loopback and credentials in URLs, without echoing them', async () => {
    expect((await failure(loadManifest('http://example.com/m.json'))).message).toMatch(/must use https/);
    const withSecret = await failure(loadManifest('https://user:s3cret@example.com/m.json'));
    expect(withSecret.message).toMatch(/must not contain credentials/);
    expect(withSecret.message).not.toContain('s3cret');
  });
});
