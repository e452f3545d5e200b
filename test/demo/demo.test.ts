// `npm run demo` is the project's front door: this runs the demo's entry as `pnpm demo:run` does (tsx with the
// @wirepack/source condition, in a child process) and checks that every part ran and that the figures it
// prints say what the demo claims: fewer HTTP requests than calls, a retried run that creates nothing.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxCli = createRequire(`${root}package.json`).resolve('tsx/cli');

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(): Promise<Outcome> {
  // The demo runs as a user runs it: without vitest's environment (NODE_ENV=test, VITEST*).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== 'NODE_ENV' && !key.startsWith('VITEST')),
  );
  const child = spawn(process.execPath, [tsxCli, '--conditions=@wirepack/source', 'scripts/demo.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A hung demo would fail the test by its timeout; kill the child rather than leave it running.
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The numbers captured by `pattern` in the output; fails when no line matches. */
function numbersOf(stdout: string, pattern: RegExp): number[] {
  const match = pattern.exec(stdout);
  expect(match, `no line matches ${pattern}`).not.toBeNull();
  return (match?.slice(1) ?? []).map(Number);
}

describe('npm run demo', () => {
  it('runs the build, fetch, deploy and protocol parts end to end and exits 0', {
    timeout: 110_000,
  }, async () => {
    const { code, stdout, stderr } = await runDemo();
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    for (const part of ['== 1. Build', '== 2. Fetch', '== 3. Deploy', '== 4. Protocol', '== Done ==']) {
      expect(stdout).toContain(part);
    }

    // Build: the plugin's own report, then a rebuild answered by the cache.
    expect(stdout).toMatch(/\[wirepack\/vite-plugin\] {3}br +\d+ files/);
    const [hits, misses, compressed] = numbersOf(
      stdout,
      /second build, same sources: cache (\d+) hits, (\d+) misses, (\d+) files compressed/,
    );
    expect(hits).toBeGreaterThan(0);
    expect([misses, compressed]).toEqual([0, 0]);

    // Fetch: fewer requests than calls, fewer queries, the slow call last, the abort seen by the server.
    const [requests, plainRequests] = numbersOf(stdout, /(\d+) HTTP requests instead of (\d+);/);
    const [calls] = numbersOf(stdout, /^ {2}(\d+) calls: /m);
    expect(requests).toBeLessThan(calls ?? 0);
    expect(plainRequests).toBe(calls);
    const [queries, plainQueries] = numbersOf(stdout, /(\d+) SQL queries batched vs (\d+) unbatched/);
    expect(queries).toBeLessThan(plainQueries ?? 0);
    expect(stdout).toMatch(/the server handler's request\.signal aborted [\d.]+ ms later/);

    // Deploy: exactly the edited pages, then a retried run creating nothing, a rollback invalidating again, and an unchanged build sending nothing.
    expect(stdout).toContain('paths the server received: / /index.html /pages/about.html');
    expect(stdout).toMatch(
      /batch 0: CallerReference wirepack-[0-9a-f]{20}-[0-9a-f]{16}-EDFDVBD6EXAMPLE-0, invalidation I\w+/,
    );
    expect(stdout).toMatch(/the same run retried \(runId [0-9a-f]{16}\): .*; 0 new invalidations/);
    expect(stdout).toMatch(
      /a rollback \(part 1's build over the edited one, a new run\): 1 new invalidation/,
    );
    expect(stdout).toContain("a deploy of part 1's unchanged rebuild: nothing-to-do, 0 requests sent");
    // The dummy secret stays inside the demo process.
    expect(stdout + stderr).not.toContain('wirepack-demo-dummy-secret');
  });
});
