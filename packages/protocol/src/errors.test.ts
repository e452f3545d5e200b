import { expect, test } from 'vitest';
import { ERROR_STATUS, isWirepackError, WirepackError, type WirepackErrorCode } from './errors.ts';
import { fromProblem, toProblem } from './problem.ts';

test('every code maps to a real HTTP error status', () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    expect(status, code).toBeGreaterThanOrEqual(400);
    expect(status, code).toBeLessThan(600);
  }
});

test('problem details round-trip every code, keeping the status', () => {
  for (const code of Object.keys(ERROR_STATUS) as WirepackErrorCode[]) {
    const error = new WirepackError(code, `detail of ${code}`);
    const problem = toProblem(error);
    expect(problem.type).toBe(`urn:wirepack:error:${code}`);
    const back = fromProblem(JSON.parse(JSON.stringify(problem)), problem.status);
    expect(back).toMatchObject({ code, status: error.status, message: `detail of ${code}` });
    expect(isWirepackError(back)).toBe(true);
  }
  expect(fromProblem({ code: 'NOT_OURS' }, 500)).toBeUndefined();
  expect(fromProblem('text', 500)).toBeUndefined();
});

test('the cause is kept for logs', () => {
  const cause = new Error('disk on fire');
  expect(new WirepackError('INTERNAL', 'internal error', { cause }).cause).toBe(cause);
});

test('isWirepackError tells the class, across copies of the package, and optionally the code', () => {
  const error = new WirepackError('TRUNCATED', 'cut short');
  expect(isWirepackError(error)).toBe(true);
  expect(isWirepackError(error, 'TRUNCATED')).toBe(true);
  expect(isWirepackError(error, 'MALFORMED')).toBe(false);
  // Another copy of the package: same name and a known code.
  const copy = Object.assign(new Error('x'), { name: 'WirepackError', code: 'TIMEOUT' });
  expect(isWirepackError(copy, 'TIMEOUT')).toBe(true);
  expect(isWirepackError(Object.assign(new Error('x'), { name: 'WirepackError', code: 'NOPE' }))).toBe(false);
  expect(isWirepackError(new Error('x'))).toBe(false);
});
