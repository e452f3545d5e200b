import { describe, expect, it } from 'vitest';
import {
  CLOUDFRONT_CAPABILITIES,
  cloudFrontCacheKey,
  cloudFrontCallerReference,
  cloudFrontTarget,
  renderCloudFrontPath,
} from './cloudfront-profile.ts';

const path = (urlPath: string): string => renderCloudFrontPath(cloudFrontTarget(cloudFrontCacheKey(urlPath)));

describe('CloudFront path encoding', () => {
  it('encodes spaces, Unicode, ?, # and % exactly', () => {
    expect(path('/docs/a b.html')).toBe('/docs/a%20b.html');
    expect(path('/café/naïve.html')).toBe('/caf%C3%A9/na%C3%AFve.html');
    expect(path('/emoji/🙂.png')).toBe('/emoji/%F0%9F%99%82.png');
    expect(path('/what?.html')).toBe('/what%3F.html');
    expect(path('/c#.html')).toBe('/c%23.html');
    expect(path('/100%.html')).toBe('/100%25.html');
    expect(path('/already%20encoded.html')).toBe('/already%2520encoded.html');
  });

  it('encodes every RFC 1738 unsafe character and nothing else', () => {
    expect(path('/<>"{}|\\^[]`')).toBe('/%3C%3E%22%7B%7D%7C%5C%5E%5B%5D%60');
    // Reserved and other safe characters pass through: over-encoding them invalidates nothing.
    expect(path("/a-b_c.d!$&'()+,;=:@")).toBe("/a-b_c.d!$&'()+,;=:@");
  });

  it('turns a ~ into a wildcard ending before it', () => {
    expect(path('/assets/runtime~main.3f2a.js')).toBe('/assets/runtime*');
    expect(path('/~user/index.html')).toBe('/*');
    expect(path('/a b/x~y')).toBe('/a%20b/x*');
  });

  it('keeps * literal except as the last character, where it is already a wildcard', () => {
    expect(path('/a*b.txt')).toBe('/a*b.txt');
    expect(cloudFrontTarget(cloudFrontCacheKey('/star*'))).toEqual({ kind: 'prefix', key: '/star' });
  });

  it('cuts paths over 4,000 characters into a wildcard, never inside an escape', () => {
    const long = `/${'é'.repeat(1500)}.html`; // 6 characters per é once encoded
    const rendered = path(long);
    expect(rendered.length).toBeLessThanOrEqual(CLOUDFRONT_CAPABILITIES.maxPathLength);
    expect(rendered.endsWith('*')).toBe(true);
    expect(rendered.slice(0, -1)).toMatch(/^\/(%C3%A9)+$/);
    expect(cloudFrontCacheKey(long).startsWith(rendered.slice(0, -1))).toBe(true);
    const exact = `/${'a'.repeat(3999)}`;
    expect(path(exact)).toBe(exact);
  });

  it('derives the caller reference from the transition, its paths, the run, the distribution and the batch', () => {
    const base = {
      previousDigest: 'aa'.repeat(32),
      nextDigest: 'bb'.repeat(32),
      distributionId: 'E2QWRUHAPOMQZL',
      batchIndex: 0,
      paths: ['/', '/index.html'],
      runId: '0123456789abcdef',
    };
    const ref = cloudFrontCallerReference(base);
    expect(cloudFrontCallerReference({ ...base })).toBe(ref);
    expect(ref).toMatch(/^wirepack-[0-9a-f]{20}-0123456789abcdef-E2QWRUHAPOMQZL-0$/);
    const variants = [
      { batchIndex: 1 },
      { distributionId: 'E1OTHER' },
      // A rollback (B over A after A over B) and a roll-forward in another run: new references.
      { previousDigest: base.nextDigest, nextDigest: base.previousDigest },
      { runId: 'fedcba9876543210' },
      { paths: ['/index.html'] },
      // Fields are length-prefixed: moving a boundary changes the digest.
      { paths: ['/', '/index.htm', 'l'] },
    ];
    for (const variant of variants) {
      expect(cloudFrontCallerReference({ ...base, ...variant })).not.toBe(ref);
    }
    const long = cloudFrontCallerReference({
      ...base,
      distributionId: 'x'.repeat(128),
      runId: 'r'.repeat(64),
    });
    expect(long).toMatch(/^wirepack-[0-9a-f]{20}-[0-9a-f]{16}-[0-9a-f]{16}-0$/);
  });
});
