import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { createPreviewMiddleware } from '../preview-middleware.ts';
import type { WirepackState } from './state.ts';

/**
 * `wirepack:preview`: lets `vite preview` serve the build the way production does, with
 * `serveStatic` of `@wirepack/server/node` over the manifest (siblings, caching, ETags). Registered before Vite's own middlewares (and
 * its on-the-fly compression), after which they handle everything this one passes on.
 */
export function previewPlugin(state: WirepackState): Plugin {
  return {
    name: 'wirepack:preview',
    apply: 'serve',
    configurePreviewServer(server) {
      const { config } = server;
      const outDir = resolve(config.root, config.environments.client?.build.outDir ?? config.build.outDir);
      server.middlewares.use(
        createPreviewMiddleware({
          outDir,
          manifest: state.manifestPath({ outDir }),
          headers: config.preview.headers,
        }),
      );
    },
  };
}
