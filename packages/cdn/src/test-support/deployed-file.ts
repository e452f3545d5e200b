import type { DeployedFile } from '../manifest/manifest.ts';

/** A deployed file for planning tests: only its path, content hash and immutability matter to a plan. */
export function deployedFile(path: string, hash: string, immutable = false): DeployedFile {
  return { path, hash, size: 1, immutable, contentType: undefined, cacheControl: undefined };
}
