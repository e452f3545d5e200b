/**
 * `npm run demo`: wirepack's whole job on one page, on embedded defaults: no cloud account, nothing leaves
 * 127.0.0.1, every figure is measured in this run.
 *
 * 1. Build: a real Vite build of fixtures/dashboard with @wirepack/vite-plugin, then a rebuild from cache.
 * 2. Serve: the build and the dashboard's SQLite API on createWirepackServer (@wirepack/server/production).
 * 3. Page: headless Chromium loads the orders view; bytes with precompression vs none, HTTP requests and
 *    SQL queries batched vs plain fetch, time to the view's data, a navigation that cancels a call.
 * 4. Deploy: one source file edited and rebuilt, then @wirepack/cdn invalidating exactly what changed on a
 *    loopback CloudFront-compatible server through the real AWS SDK, a retry that creates nothing, a rollback.
 * 5. Protocol: the wire format itself, and hostile input.
 *
 * Then it keeps serving the dashboard until Ctrl-C; `--once` exits after the summary. `--port <n>` sets
 * the port (default 4173; 0 for any free one). Each part cleans up after itself, also on failure; the
 * demo exits non-zero when a part fails or a figure contradicts what it claims.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDashboardApi, type DashboardServer, serveDashboard } from '@wirepack/fixture-dashboard';
import { copyApp } from './demo/app.ts';
import { type BrowserFigures, browserPart } from './demo/browser-part.ts';
import { type BuildResult, buildPart } from './demo/build-part.ts';
import { deployPart } from './demo/deploy-part.ts';
import { bytes, heading, line, ms } from './demo/print.ts';
import { protocolPart } from './demo/protocol-part.ts';

const DEFAULT_PORT = 4173;
const USAGE = 'usage: npm run demo [-- --once] [-- --port <0-65535>]';

/** The command line, checked: a bad one ends the demo with a coded message and exit code 2. */
function readArgs(): { once: boolean; port: number } {
  try {
    const { values } = parseArgs({
      options: { once: { type: 'boolean', default: false }, port: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!(values.port === undefined || /^\d+$/.test(values.port)) || !(port >= 0 && port <= 65_535)) {
      throw new Error(`--port expects an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
    }
    return { once: values.once === true, port };
  } catch (error) {
    console.error(`[wirepack/demo] DEMO_BAD_ARGUMENT: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const args = readArgs();
const root = fileURLToPath(new URL('..', import.meta.url));
const cache = join(root, 'node_modules/.cache');
mkdirSync(cache, { recursive: true });
// Under the repository (not the OS temp dir): the app copy imports @wirepack/client, which resolves
// through the root's node_modules.
const work = mkdtempSync(join(cache, 'wirepack-demo-'));
const started = performance.now();
const timings: Array<[string, number]> = [];
const closers: Array<() => Promise<void> | void> = [];

async function cleanUp(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
  rmSync(work, { recursive: true, force: true });
}

// Ctrl-C: close the servers and the database, remove the work directory.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n[wirepack/demo] ${signal}: stopping`);
    void cleanUp().finally(() => process.exit(0));
  });
}

async function part<TResult>(title: string, run: () => Promise<TResult>): Promise<TResult> {
  heading(title);
  const at = performance.now();
  const result = await run();
  timings.push([title.replace(/^\d+\. /, '').replace(/:.*/, ''), performance.now() - at]);
  return result;
}

console.log(
  `wirepack demo: Node ${process.version}, ${process.platform}/${process.arch}; everything on 127.0.0.1, ` +
    'figures measured now',
);
try {
  const app = copyApp(work);
  const built: BuildResult = await part('1. Build: Vite + @wirepack/vite-plugin', () => buildPart(app, work));
  const { api, served, onTheFly, identity } = await part(
    '2. Serve: @wirepack/server/production + SQLite',
    async () => {
      const file = join(cache, 'wirepack-dashboard.sqlite');
      const api = createDashboardApi({ file });
      closers.push(() => api.close());
      line(
        `SQLite ${file.slice(root.length)}: ${api.db.seeded ? 'created and seeded now (first run)' : 'reused'}`,
      );
      // Production defaults but one: no shedding on event-loop delay. This process also drives Chromium on
      // a machine that runs the browser (and, under `npm test`, other suites): its loop's lateness is the
      // machine's, and shed calls would answer 503 to the page and blur every figure of part 3.
      const admission = { maxEventLoopDelayMs: false } as const;
      const served = await listen(() =>
        serveDashboard({ api, dist: built.first.outDir, port: args.port, admission }),
      );
      // The peers for part 3's bytes: the same files and API without the siblings, and with no coding.
      const dist = built.first.outDir;
      const onTheFly = await serveDashboard({ api, dist, precompressed: false, admission });
      closers.push(() => onTheFly.close());
      const identity = await serveDashboard({ api, dist, identity: true, admission });
      closers.push(() => identity.close());
      printAddresses(served);
      line(
        `(peers for part 3: compressed on the fly on ${onTheFly.url}, no content coding on ${identity.url})`,
      );
      line('production defaults, except no shedding on event-loop delay (this machine runs the browser too)');
      return { api, served, onTheFly, identity };
    },
  );
  const figures = await part('3. Page: the dashboard in headless Chromium', () =>
    browserPart(api, { served, onTheFly, identity }),
  );
  await Promise.all([onTheFly.close(), identity.close()]);
  await part('4. Deploy: @wirepack/cdn -> CloudFront API (loopback)', () => deployPart(app, work, built));
  await part('5. Protocol: the wire format under the batches', () => protocolPart());
  heading('Done');
  console.log(
    `  ${timings.map(([name, time]) => `${name} ${ms(time)}`).join(', ')}; ` +
      `total ${ms(performance.now() - started)}`,
  );
  printSummary(figures);
  if (args.once) {
    await cleanUp();
  } else {
    line();
    printAddresses(served);
    line('serving until Ctrl-C (`npm run demo -- --once` exits after the summary instead)');
  }
} catch (error) {
  console.error('\n[wirepack/demo] failed:', error);
  process.exitCode = 1;
  await cleanUp();
}

/** Starts the main server; a port in use is a clear message, not a stack trace. */
async function listen(start: () => Promise<DashboardServer>): Promise<DashboardServer> {
  try {
    const server = await start();
    closers.push(() => server.close());
    return server;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `[wirepack/demo] DEMO_PORT_IN_USE: port ${args.port} is taken; pass --port <n> (0 for any free port)`,
      );
    }
    throw error;
  }
}

function printAddresses(served: DashboardServer): void {
  line(`dashboard: ${served.url}/orders   (also /customers, /products)`);
  line(`metrics:   ${served.url}/metrics   (Prometheus text)`);
  line(`health:    ${served.url}/healthz   (200 while the four targets are met)`);
}

function printSummary(figures: BrowserFigures | undefined): void {
  if (figures === undefined) {
    line('summary: no browser figures (no Chromium; see part 3 for how to get them)');
    return;
  }
  line(
    `summary: one page load ${bytes(figures.bytesBr)} vs ${bytes(figures.bytesOnTheFly)} compressed on the fly ` +
      `and ${bytes(figures.bytesIdentity)} uncompressed; ` +
      `${figures.requestsBatched} API requests vs ${figures.requestsPlain}; ${figures.queriesBatched} SQL queries ` +
      `vs ${figures.queriesPlain}; the view's data at ${ms(figures.dataMs)}`,
  );
}
