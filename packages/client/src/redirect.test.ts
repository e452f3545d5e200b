import { NO_BODY, type ResultFrame } from '@wirepack/protocol';
import { describe, expect, it } from 'vitest';
import type { OutgoingRequest } from './outgoing-request.ts';
import { isRedirect, redirectRequest } from './redirect.ts';

const post: OutgoingRequest = {
  url: new URL('http://app.test/api/form?x=1'),
  method: 'POST',
  headers: [
    ['authorization', 'Bearer t'],
    ['content-type', 'application/json'],
    ['x-trace', '1'],
  ],
  body: { kind: 'bytes', bytes: new Uint8Array([1]) },
  priority: 'auto',
  redirect: 'follow',
  signal: undefined,
};

const frame = (status: number, location: string): ResultFrame => ({
  kind: 'result',
  id: 0,
  status,
  headers: [['location', location]],
  body: NO_BODY,
});

describe('redirectRequest (Fetch, HTTP-redirect fetch)', () => {
  it.each([
    [301, 'GET', false],
    [302, 'GET', false],
    [303, 'GET', false],
    [307, 'POST', true],
    [308, 'POST', true],
  ])('%i after a POST: %s, body kept: %s', (status, method, keepsBody) => {
    const next = redirectRequest(post, frame(status, '/next'));
    expect(next.method).toBe(method);
    expect(next.body.kind).toBe(keepsBody ? 'bytes' : 'none');
    expect(next.headers.some(([name]) => name === 'content-type')).toBe(keepsBody);
    expect(next.url.href).toBe('http://app.test/next');
  });

  it('keeps PUT through 301/302 but turns it into GET on 303', () => {
    const put = { ...post, method: 'PUT' };
    expect(redirectRequest(put, frame(302, '/n')).method).toBe('PUT');
    expect(redirectRequest(put, frame(303, '/n')).method).toBe('GET');
  });

  it('drops Authorization across origins only, and strips the fragment', () => {
    const same = redirectRequest(post, frame(307, '/n#frag'));
    expect(same.headers.map(([name]) => name)).toContain('authorization');
    expect(same.url.hash).toBe('');
    const other = redirectRequest(post, frame(307, 'https://elsewhere.test/n'));
    expect(other.headers.map(([name]) => name)).not.toContain('authorization');
  });

  it('refuses a Location that is not HTTP(S), like fetch', () => {
    expect(() => redirectRequest(post, frame(302, 'javascript:alert(1)'))).toThrow(TypeError);
  });

  it('treats a 3xx without Location as a plain response', () => {
    expect(isRedirect({ ...frame(302, '/x'), headers: [] })).toBe(false);
    expect(isRedirect(frame(304, '/x'))).toBe(false);
    expect(isRedirect(frame(308, '/x'))).toBe(true);
  });
});
