// `npm run demo` is the project's front door: this runs the demo's entry as `pnpm demo:run -- --once` does
// (tsx with the @wirepack/source condition, in a child process) and checks that every part ran and that the
// figures it prints say what the demo claims: fewer bytes with precompression, fewer HTTP requests and SQL
// queries batched, a cancelled call seen by the server, a retried deploy that creates nothing. Then the same
// without Chromium (it still serves and says how to get the browser figures), and a bad argument.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasChromium } from '../../scripts/chromium.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxCli = createRequire(`${root}package.json`).resolve('tsx/cli');

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Outcome> {
  // The demo runs as a user runs it: without vitest's environment (NODE_ENV=test, VITEST*).
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => key !== 'NODE_ENV' && !key.startsWith('VITEST')),
    ),
    ...extraEnv,
  };
  const child = spawn(
    process.execPath,
    [tsxCli, '--conditions=@wirepack/source', 'scripts/demo.ts', ...args],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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

/** A size as the demo prints it (`812 B`, `14.2 KiB`, `3.10 MiB`) in bytes. */
function sizeOf(text: string): number {
  const match = /^([\d.]+) (B|KiB|MiB)$/.exec(text);
  expect(match, `not a size: ${text}`).not.toBeNull();
  const unit = { B: 1, KiB: 1024, MiB: 1024 * 1024 }[match?.[2] as 'B' | 'KiB' | 'MiB'];
  return Number(match?.[1]) * unit;
}

describe('npm run demo -- --once', () => {
  it('builds, serves, measures the page in Chromium, deploys, tours the protocol, and exits 0', {
    timeout: 110_000,
  }, async () => {
    const { code, stdout, stderr } = await runDemo(['--once', '--port', '0']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    for (const part of [
      '== 1. Build',
      '== 2. Serve',
      '== 3. Page',
      '== 4. Deploy',
      '== 5. Protocol',
      '== Done ==',
    ]) {
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

    // Serve: the URL, /metrics and /healthz on 127.0.0.1.
    expect(stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/orders/);
    expect(stdout).toMatch(/metrics: +http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(stdout).toMatch(/health: +http:\/\/127\.0\.0\.1:\d+\/healthz/);

    // Page: measured figures that say what the demo claims.
    if (hasChromium) {
      const size = String.raw`([\d.]+ (?:B|KiB|MiB))`;
      const bytes = new RegExp(
        String.raw`bytes: ${size} with precompression vs ${size} compressed on the fly \(brotli 4\) and ${size} without any coding`,
      ).exec(stdout);
      expect(bytes).not.toBeNull();
      const [precompressed, onTheFly, identity] = (bytes?.slice(1) ?? []).map(sizeOf);
      expect(precompressed).toBeLessThan(onTheFly ?? 0);
      expect(onTheFly).toBeLessThan(identity ?? 0);
      const [calls, batched, plain] = numbersOf(
        stdout,
        /API: (\d+) calls in (\d+) HTTP requests batched vs (\d+)/,
      );
      expect(batched).toBeLessThan(plain ?? 0);
      expect(plain).toBe(calls);
      const [queries, plainQueries] = numbersOf(stdout, /SQL queries (\d+) vs (\d+)/);
      expect(queries).toBeLessThan(plainQueries ?? 0);
      expect(stdout).toMatch(/time to the view's data \(median of 3\): [\d.]+ ms wirepack/);
      expect(stdout).toMatch(/the server saw that call's request\.signal abort [\d.]+ ms after the click/);
      expect(stdout).toContain('console errors in 12 loads: 0');
    }

    // Deploy: exactly the edited page, then a retried run creating nothing, a rollback invalidating again, and an unchanged build sending nothing.
    expect(stdout).toContain('paths the server received: / /index.html');
    expect(stdout).toMatch(
      /batch 0: CallerReference wirepack-[0-9a-f]{20}-[0-9a-f]{16}-EDFDVBD6EXAMPLE-0, invalidation I\w+/,
    );
    expect(stdout).toMatch(/the same run retried \(runId [0-9a-f]{16}\): .*; 0 new invalidations/);
    expect(stdout).toMatch(
      /a rollback \(part 1's build over the edited one, a new run\): 1 new invalidation/,
    );
    expect(stdout).toContain("a deploy of part 1's unchanged rebuild: nothing-to-do, 0 requests sent");
    // --once: no "serving until Ctrl-C"; the dummy secret stays inside the demo process.
    expect(stdout).not.toContain('serving until Ctrl-C');
    expect(stdout + stderr).not.toContain('wirepack-demo-dummy-secret');
  });

  it('without Chromium still builds and serves, and says how to get the browser figures', {
    timeout: 110_000,
  }, async () => {
    const { code, stdout, stderr } = await runDemo(['--once', '--port', '0'], {
      WIREPACK_CHROMIUM: '/nonexistent/chromium',
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/orders/);
    expect(stdout).toContain('no Chromium at /nonexistent/chromium: the browser figures are skipped');
    expect(stdout).toContain("install Debian's chromium");
    expect(stdout).toContain('summary: no browser figures');
    expect(stdout).toContain('paths the server received: / /index.html');
  });

  it('refuses a bad --port with a coded error and exit code 2', async () => {
    const { code, stderr } = await runDemo(['--once', '--port', 'eighty']);
    expect(code).toBe(2);
    expect(stderr).toContain('[wirepack/demo] DEMO_BAD_ARGUMENT: --port expects an integer from 0 to 65535');
  });
});
