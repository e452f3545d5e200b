import { describe, expect, it } from 'vitest';
import {
  isWirepackPluginError,
  outputFileError,
  PLUGIN_ERROR_STATUS,
  WirepackPluginError,
} from './errors.js';

describe('WirepackPluginError', () => {
  it('carries its code, the status of the code and the package prefix', () => {
    const error = new WirepackPluginError('MANIFEST_PATH_CONFLICT', 'two environments, one manifest');
    expect(error).toMatchObject({ name: 'WirepackPluginError', code: 'MANIFEST_PATH_CONFLICT', status: 409 });
    expect(error.message).toBe('[wirepack/vite-plugin] two environments, one manifest');
    for (const status of Object.values(PLUGIN_ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('words an output file failure by what happened to the file', () => {
    expect(outputFileError('a.js', { code: 'ENOENT', message: '' }).message).toMatch(/a\.js disappeared/);
    expect(outputFileError('a.js', { code: 'ECHANGED', message: '' }).message).toMatch(/a\.js changed/);
    const other = outputFileError('a.js', { code: 'EACCES', message: 'permission denied' });
    expect(other.message).toMatch(/a\.js could not be processed \(EACCES\): permission denied/);
    expect(other).toMatchObject({ file: 'a.js', errno: 'EACCES' });
    expect(isWirepackPluginError(other, 'OUTPUT_FILE_FAILED')).toBe(true);
    expect(isWirepackPluginError(other, 'MANIFEST_PATH_CONFLICT')).toBe(false);
  });
});
