import { describe, expect, it } from 'vitest';
import { hashedFileNames, patternToRegExp } from './hashed-names.ts';

describe('patternToRegExp', () => {
  it('matches names produced by a template with [hash]', () => {
    const regexp = patternToRegExp('assets/[name]-[hash][extname]')!;
    expect(regexp.test('assets/index-BVEn03Qn.js')).toBe(true);
    expect(regexp.test('assets/my-component-D-x_1Abc.css')).toBe(true);
    expect(regexp.test('index.html')).toBe(false);
    expect(patternToRegExp('js/[name].[hash:12].js')!.test('js/app.0123456789ab.js')).toBe(true);
    expect(patternToRegExp('js/[name].[hash:12].js')!.test('js/app.0123.js')).toBe(false);
  });

  it('returns undefined for templates without a hash', () => {
    expect(patternToRegExp('[name].js')).toBeUndefined();
  });
});

describe('hashedFileNames', () => {
  const bundle = {
    'assets/main-By_snRda.js': { type: 'chunk', fileName: 'assets/main-By_snRda.js', isEntry: true },
    'assets/lazy-CNaJ9VKF.js': { type: 'chunk', fileName: 'assets/lazy-CNaJ9VKF.js', isEntry: false },
    'assets/main-By_snRda.js.map': { type: 'asset', fileName: 'assets/main-By_snRda.js.map' },
    'assets/logo-2szNjF7V.svg': { type: 'asset', fileName: 'assets/logo-2szNjF7V.svg' },
    'index.html': { type: 'asset', fileName: 'index.html' },
    '.vite/manifest.json': { type: 'asset', fileName: '.vite/manifest.json' },
  } as const;

  it("takes Vite's default patterns at their word", () => {
    const hashed = hashedFileNames(
      {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
      bundle,
    );
    expect([...hashed].sort()).toEqual([
      'assets/lazy-CNaJ9VKF.js',
      'assets/logo-2szNjF7V.svg',
      'assets/main-By_snRda.js',
    ]);
  });

  it('counts nothing as hashed when the patterns have no [hash], and asks pattern functions', () => {
    expect(
      hashedFileNames({ entryFileNames: 'assets/[name].js', chunkFileNames: '[name].js' }, bundle).size,
    ).toBe(0);
    const hashed = hashedFileNames(
      {
        entryFileNames: () => 'assets/[name]-[hash].js',
        chunkFileNames: () => {
          throw new Error('cannot name this');
        },
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
      bundle,
    );
    expect([...hashed].sort()).toEqual(['assets/logo-2szNjF7V.svg', 'assets/main-By_snRda.js']);
  });
});
