import type { UserConfig } from 'vite';

/**
 * Whether the user's own config sets `build.reportCompressedSize`, at the top level or in any
 * environment's `build`. Read in the `config` hook, before Vite fills in its default (`true`), so a
 * value the user chose is told apart from the default: only the default is turned off.
 *
 * Why off: with it, Vite gzips every JS and CSS chunk after writing them only to print a size
 * column (vitejs/vite#5295 dropped brotli from that report as "the main bottleneck on builds"),
 * and then this plugin compresses the same files again; the plugin's report shows the brotli and
 * gzip sizes it measured instead.
 */
export function userSetReportCompressedSize(config: UserConfig): boolean {
  if (config.build?.reportCompressedSize !== undefined) return true;
  const environments = config.environments ?? {};
  return Object.values(environments).some(
    (environment) => environment?.build?.reportCompressedSize !== undefined,
  );
}
