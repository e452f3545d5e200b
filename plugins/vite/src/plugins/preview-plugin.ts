import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { createPreviewMiddleware } from '../preview-middleware.js';

/**
 * `wirepack:preview`: lets `vite preview` serve the precompressed siblings, so what is measured
 * locally is what a CDN serving them would send. Registered before Vite's own middlewares (and
 * its on-the-fly compression), after which they handle everything this one passes on.
 */
export function previewPlugin(): Plugin {
  return {
    name: 'wirepack:preview',
    apply: 'serve',
    configurePreviewServer(server) {
      const { config } = server;
      const outDir = resolve(config.root, config.environments.client?.build.outDir ?? config.build.outDir);
      server.middlewares.use(
        createPreviewMiddleware({ outDir, base: config.base, headers: config.preview.headers }),
      );
    },
  };
}
