import { describe, expect, it } from 'vitest';
import { CDN_ERROR_STATUS, CdnError, isCdnError } from './errors.ts';

describe('CdnError', () => {
  it('carries its code, the status of the code, the package prefix and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new CdnError('PROVIDER_UNAVAILABLE', 'CloudFront kept failing', { cause });
    expect(error).toMatchObject({ name: 'CdnError', code: 'PROVIDER_UNAVAILABLE', status: 503, cause });
    expect(error.message).toBe('[wirepack/cdn] CloudFront kept failing');
    expect(new CdnError('USAGE', '[wirepack/cdn] already prefixed').message).toBe(
      '[wirepack/cdn] already prefixed',
    );
  });

  it('maps every code to an error status', () => {
    for (const [code, status] of Object.entries(CDN_ERROR_STATUS)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('isCdnError tells the class and, optionally, the code', () => {
    const error = new CdnError('SDK_MISSING', 'install the SDK');
    expect(isCdnError(error)).toBe(true);
    expect(isCdnError(error, 'SDK_MISSING')).toBe(true);
    expect(isCdnError(error, 'USAGE')).toBe(false);
    expect(isCdnError(new Error('x'))).toBe(false);
  });
});
