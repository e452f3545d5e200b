import { defaultClientConditions, defaultServerConditions, defineConfig } from 'vite';

// Tests run against each package's TypeScript source, never a prior build: every package's
// `exports` map carries a `@wirepack/source` condition pointing at `src/`, enabled here.
const source = '@wirepack/source';

export default defineConfig({
  resolve: { conditions: [source, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [source, ...defaultServerConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
