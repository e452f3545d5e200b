/**
 * `npm run demo`: an end-to-end tour of wirepack on embedded defaults: no cloud account, nothing leaves
 * 127.0.0.1, every figure is measured in this run.
 *
 * 1. Build: a real Vite build of fixtures/small-app with @wirepack/vite-plugin, then a rebuild from cache.
 * 2. Fetch: @wirepack/client batching 200 concurrent calls to @wirepack/server in front of the REST
 *    fixture, against the same calls made with plain fetch.
 * 3. Deploy: an edited rebuild, then @wirepack/cdn invalidating exactly what changed on a loopback
 *    CloudFront-compatible server through the real AWS SDK, a retry of that run that creates nothing,
 *    and a rollback that invalidates again.
 * 4. Protocol: the wire format itself, and hostile input.
 *
 * Each part cleans up after itself (servers closed, temporary files removed), also on failure; the demo
 * exits non-zero when a part fails or a figure contradicts what it claims.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyApp } from './demo/app.ts';
import { type BuildResult, buildPart } from './demo/build-part.ts';
import { deployPart } from './demo/deploy-part.ts';
import { fetchPart } from './demo/fetch-part.ts';
import { heading, ms } from './demo/print.ts';
import { protocolPart } from './demo/protocol-part.ts';

const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'wirepack-demo-'));
const timings: Array<[string, number]> = [];
// Ctrl-C: the servers go with the process, but the temporary directory would stay behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    rmSync(work, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
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
  await part('2. Fetch: @wirepack/client -> @wirepack/server -> REST app', () => fetchPart());
  await part('3. Deploy: @wirepack/cdn -> CloudFront API (loopback)', () => deployPart(app, work, built));
  await part('4. Protocol: the wire format under part 2', () => protocolPart());
  heading('Done');
  console.log(
    `  ${timings.map(([name, time]) => `${name} ${ms(time)}`).join(', ')}; ` +
      `total ${ms(performance.now() - started)}`,
  );
} catch (error) {
  console.error('\n[wirepack/demo] failed:', error);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
