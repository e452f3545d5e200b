import { describe, expect, it } from 'vitest';
import { isManifestError, MANIFEST_ERROR_STATUS, ManifestError } from './errors.ts';

describe('ManifestError', () => {
  it('carries its code, the status of the code, the package prefix and the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new ManifestError('MANIFEST_NOT_JSON', 'dist/manifest.json is not JSON', { cause });
    expect(error).toMatchObject({ name: 'ManifestError', code: 'MANIFEST_NOT_JSON', status: 422, cause });
    expect(error.message).toBe('[wirepack/manifest] dist/manifest.json is not JSON');
    expect(new ManifestError('MANIFEST_TOO_LARGE', 'big').status).toBe(413);
  });

  it('maps every code to an error status', () => {
    for (const [code, status] of Object.entries(MANIFEST_ERROR_STATUS)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('isManifestError tells the class and, optionally, the code', () => {
    const error = new ManifestError('MANIFEST_VERSION', 'version 2');
    expect(isManifestError(error, 'MANIFEST_VERSION')).toBe(true);
    expect(isManifestError(error, 'MANIFEST_INVALID')).toBe(false);
    expect(isManifestError(new Error('x'))).toBe(false);
  });
});

it('the README states each code with its status', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const [code, status] of Object.entries(MANIFEST_ERROR_STATUS)) {
    expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`));
  }
});
