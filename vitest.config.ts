import { defaultClientConditions, defaultServerConditions, defineConfig } from 'vite';

// Tests run against each package's TypeScript source, never a prior build: every package's
// `exports` map carries a `@wirepack/source` condition pointing at `src/`, enabled here.
const source = '@wirepack/source';

export default defineConfig({
  resolve: { conditions: [source, ...defaultClientConditions] },
  // Tests run in Node, so server-side resolution drops the bundler-only `module` condition: packages such as
  // the AWS SDK map `module` to extensionless ESM (dist-es) that only bundlers can load, and `node` to CJS.
  ssr: { resolve: { conditions: [source, ...defaultServerConditions.filter((name) => name !== 'module')] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'plugins/*/src/**/*.test.ts',
      'plugins/*/test/**/*.test.ts',
      'fixtures/*/src/**/*.test.ts',
      'fixtures/*/server/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
