import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../index.ts';
import { createServerMetrics } from './metrics.ts';

// The real promtool of Debian's prometheus package (scripts/bootstrap.mjs installs it in CI).
const PROMTOOL = process.env.WIREPACK_PROMTOOL ?? '/usr/bin/promtool';
const folder = fileURLToPath(new URL('../../prometheus/', import.meta.url));
const run = promisify(execFile);

describe('the shipped Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run(PROMTOOL, ['check', 'rules', 'alerts.yml'], { cwd: folder });
    expect(stdout).toContain('SUCCESS: 8 rules found');
  });

  it('fire on synthetic series that miss each target, and only for the instance that misses it', async () => {
    // alerts.test.yml asserts the recorded figures, each alert's labels and text, and the 5-minute `for`.
    const { stdout } = await run(PROMTOOL, ['test', 'rules', 'alerts.test.yml'], { cwd: folder });
    expect(stdout).toContain('SUCCESS');
  });

  it('name only metrics the exporter exposes', async () => {
    const rules = readFileSync(`${folder}alerts.yml`, 'utf8');
    const referenced = new Set(
      [...rules.matchAll(/\b((?:wirepack|process|nodejs)_[a-z0-9_]+)/g)].map(([, name]) =>
        (name as string).replace(/_(bucket|sum|count)$/, ''),
      ),
    );
    const metrics = createServerMetrics();
    try {
      metrics.observe(createBatchHandler({ fetch: () => new Response('') }));
      const exposed = new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));
      for (const name of referenced) expect(exposed, name).toContain(name);
      expect(referenced.size).toBeGreaterThanOrEqual(8);
    } finally {
      metrics.close();
    }
  });
});
