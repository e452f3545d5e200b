import { expect, test } from 'vitest';
import { rejectUnknownKeys } from './option-keys.ts';

test('names the unknown key with its path and lists the known ones', () => {
  expect(() => rejectUnknownKeys({ a: 1, c: 2 }, ['a', 'b'], 'limits', '[p]')).toThrow(
    new TypeError('[p] unknown option `limits.c` (known here: a, b)'),
  );
  expect(() => rejectUnknownKeys({ c: undefined }, ['a'], '', '[p]')).toThrow(
    '[p] unknown option `c` (known here: a)',
  );
});

test('accepts known keys, ignores symbols and inherited keys', () => {
  const withProto = Object.create({ inherited: 1 }) as Record<string | symbol, unknown>;
  withProto.a = 1;
  withProto[Symbol('x')] = 2;
  expect(() => rejectUnknownKeys(withProto, ['a'], '', '[p]')).not.toThrow();
});

test('a __proto__ key from JSON is reported, not followed', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as object;
  expect(() => rejectUnknownKeys(parsed, ['a'], '', '[p]')).toThrow('unknown option `__proto__`');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
