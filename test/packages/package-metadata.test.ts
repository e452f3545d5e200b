/**
 * What npm users see of every published package (packages/*, plugins/*): where its source and
 * issues are (`repository` with `directory`, `homepage`, `bugs`), and runtime dependencies in
 * caret ranges, so an app can dedupe them with its own copies and get their fixes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface PackageJson {
  name: string;
  private?: boolean;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  dependencies?: Record<string, string>;
}

const published = ['packages', 'plugins'].flatMap((folder) =>
  readdirSync(join(root, folder), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const directory = `${folder}/${entry.name}`;
      const pkg = JSON.parse(readFileSync(join(root, directory, 'package.json'), 'utf8')) as PackageJson;
      return { directory, pkg };
    })
    .filter(({ pkg }) => pkg.private !== true),
);

describe('published package metadata', () => {
  it('covers every package', () => {
    expect(published.map(({ pkg }) => pkg.name).sort()).toEqual([
      '@wirepack/cdn',
      '@wirepack/client',
      '@wirepack/manifest',
      '@wirepack/protocol',
      '@wirepack/server',
      '@wirepack/vite-plugin',
    ]);
  });

  it.each(published)(
    '$directory names its repository folder, homepage and issue tracker',
    ({ directory, pkg }) => {
      const repository = published[0]!.pkg.repository?.url;
      expect(repository).toMatch(/^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
      const web = repository!.replace(/^git\+/, '').replace(/\.git$/, '');
      expect(pkg.repository).toEqual({ type: 'git', url: repository, directory });
      expect(pkg.homepage).toBe(`${web}/tree/main/${directory}#readme`);
      expect(pkg.bugs).toEqual({ url: `${web}/issues` });
    },
  );

  it.each(published)('$directory takes runtime dependencies in caret ranges', ({ pkg }) => {
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      expect([name, range]).toEqual([name, expect.stringMatching(/^(\^\d+\.\d+\.\d+|workspace:\*)$/)]);
    }
  });
});
