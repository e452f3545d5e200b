import { createLogger } from 'vite';
import { describe, expect, it } from 'vitest';
import { appliesToEnvironment, createEnvironmentRun } from './environment-run.js';

const environment = (name: string, consumer: 'client' | 'server') => ({
  name,
  config: {
    consumer,
    root: '/app',
    base: '/',
    publicDir: '/app/public',
    build: { outDir: 'dist', copyPublicDir: true, write: true },
  },
  logger: createLogger('silent'),
});

describe('appliesToEnvironment', () => {
  it('takes client environments by default, and exactly the named ones otherwise', () => {
    expect(appliesToEnvironment(undefined, environment('client', 'client'))).toBe(true);
    expect(appliesToEnvironment(undefined, environment('ssr', 'server'))).toBe(false);
    expect(appliesToEnvironment(['ssr'], environment('ssr', 'server'))).toBe(true);
    expect(appliesToEnvironment(['ssr'], environment('client', 'client'))).toBe(false);
  });
});

describe('createEnvironmentRun', () => {
  it("resolves the output directory from the output's dir, else build.outDir, from the root", () => {
    expect(createEnvironmentRun(environment('client', 'client'), {}).outDir).toBe('/app/dist');
    expect(createEnvironmentRun(environment('client', 'client'), { dir: 'out' }).outDir).toBe('/app/out');
    expect(createEnvironmentRun(environment('client', 'client'), {})).toMatchObject({
      environment: 'client',
      base: '/',
      outcome: undefined,
      cacheDir: null,
      manifestPath: null,
      elapsedMs: 0,
    });
  });
});
