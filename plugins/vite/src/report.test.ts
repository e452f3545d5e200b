import { describe, expect, it } from 'vitest';
import { formatBytes, formatReport, type WirepackReport } from './report.ts';

const report: WirepackReport = {
  environment: 'client',
  outDir: '/app/dist',
  files: 629,
  bytes: 22_240_000,
  compressible: { files: 556, bytes: 20_790_000 },
  encodings: {
    br: { files: 556, bytes: 4_054_256, originalBytes: 20_790_000 },
    gzip: { files: 556, bytes: 5_231_596, originalBytes: 20_790_000 },
  },
  skipped: { notCompressible: 60, belowThreshold: 13, filtered: 0, notSmaller: 0 },
  cache: {
    enabled: true,
    dir: '/app/node_modules/.vite/wirepack',
    hits: 1100,
    misses: 12,
    corrupt: 0,
    writeErrors: 0,
    evicted: 0,
  },
  largest: [
    { file: 'assets/ts.worker-Bx1.js', size: 6_930_000, encodings: { br: 1_042_009, gzip: 1_380_000 } },
    { file: 'index.html', size: 812, encodings: { gzip: 420 } },
  ],
  compressed: [],
  early: 0,
  sri: { htmlFiles: 1, tags: 3, skipped: 0 },
  manifest: '/app/dist/.wirepack/manifest.json',
  workers: 2,
  durationMs: 812.4,
};

describe('formatReport', () => {
  it('prints totals, savings, cache activity and time', () => {
    expect(formatReport(report)).toEqual([
      '[wirepack/vite-plugin] client: 629 files, 22.24 MB; 556 compressible, 20.79 MB',
      '[wirepack/vite-plugin]   br     556 files  20.79 MB -> 4.05 MB (-80.5%)',
      '[wirepack/vite-plugin]   gzip   556 files  20.79 MB -> 5.23 MB (-74.8%)',
      '[wirepack/vite-plugin]     assets/ts.worker-Bx1.js    6.93 MB  br   1.04 MB  gzip   1.38 MB',
      '[wirepack/vite-plugin]     index.html                   812 B  gzip     420 B',
      '[wirepack/vite-plugin]   skipped: 60 not compressible, 13 under threshold, 0 filtered, 0 not smaller',
      '[wirepack/vite-plugin]   cache: 1100 hits, 12 compressed',
      '[wirepack/vite-plugin]   SRI on 3 tags in 1 HTML files; 812 ms on 2 workers',
    ]);
  });

  it('says when the cache is off, and when nothing needed compressing', () => {
    const lines = formatReport({
      ...report,
      cache: { ...report.cache, enabled: false },
      compressed: [],
      workers: 0,
    });
    expect(lines).toContain('[wirepack/vite-plugin]   cache: off, 0 compressed');
    expect(lines).toContain(
      '[wirepack/vite-plugin]   SRI on 3 tags in 1 HTML files; 812 ms (no compression needed)',
    );
  });
});

describe('formatBytes', () => {
  it('uses SI units', () => {
    expect([formatBytes(999), formatBytes(1000), formatBytes(1_234_567)]).toEqual([
      '999 B',
      '1.0 kB',
      '1.23 MB',
    ]);
  });
});
