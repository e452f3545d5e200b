import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../index.ts';
import { createServerMetrics, DEFAULT_HEALTH_THRESHOLDS, DEFAULT_SERVER_METRICS_OPTIONS } from './metrics.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(
  readme.indexOf('## Prometheus, health and alerts'),
  readme.indexOf('## Compression'),
);

describe('README: Prometheus, health and alerts', () => {
  it('names every metric the exporter registers', () => {
    const metrics = createServerMetrics({ defaultMetrics: false });
    try {
      metrics.observe(createBatchHandler({ fetch: () => new Response('') }));
      // `wirepack_compression_{in,out,saved}_bytes_total` stands for three names.
      const documented = section.replace(/wirepack_compression_\{in,out,saved\}_bytes_total/, (_) =>
        ['in', 'out', 'saved'].map((part) => `\`wirepack_compression_${part}_bytes_total\``).join(' '),
      );
      for (const { name } of metrics.registry.getMetricsAsArray())
        expect(documented, name).toContain(`\`${name}\``);
    } finally {
      metrics.close();
    }
  });

  it('states the defaults the code uses', () => {
    const defaults = DEFAULT_SERVER_METRICS_OPTIONS;
    expect(section).toContain(`| \`path\`            | \`'${defaults.path}'\``);
    expect(section).toContain(`| \`healthPath\`      | \`'${defaults.healthPath}'\``);
    expect(section).toContain(`| \`maxRouteClasses\` | \`${defaults.maxRouteClasses}\``);
    const { windowMs, slots, minRequests } = defaults.health;
    expect(section).toContain(`\`windowMs\` (${windowMs}) in \`slots\` (${slots})`);
    expect(section).toContain(`\`minRequests\` (${minRequests})`);
    const { p95Ms, errorRate, cpu, memory } = DEFAULT_HEALTH_THRESHOLDS;
    expect(section).toContain(
      `\`{ p95Ms: ${p95Ms}, errorRate: ${errorRate}, cpu: ${cpu}, memory: ${memory} }\``,
    );
  });
});
