// Where a start from the start-up snapshot finds its package: `node --snapshot-blob <root>/dist/snapshot/
// manager.blob ARGS` has no script path, so the blob's own path (in Node's execArgv) stands in for it.
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The --snapshot-blob path in `execArgv` (either `--snapshot-blob X` or `--snapshot-blob=X`), absolute. */
export function snapshotBlobPath(execArgv: readonly string[], cwd: string): string | undefined {
  for (const [i, arg] of execArgv.entries()) {
    if (arg === '--snapshot-blob') return execArgv[i + 1] === undefined ? undefined : resolve(cwd, execArgv[i + 1] as string);
    if (arg.startsWith('--snapshot-blob=')) return resolve(cwd, arg.slice('--snapshot-blob='.length));
  }
  return undefined;
}

/**
 * What `import.meta.url` stands for inside the snapshot: the ESM bundle's entry beside it
 * (<root>/dist/snapshot/x.blob -> <root>/dist/bundle/main.js), so that paths found from it (the package
 * root, the certificate child, the native addon) are the same in both builds.
 */
export function snapshotModuleUrl(blobPath: string): string {
  return pathToFileURL(join(dirname(dirname(blobPath)), 'bundle', 'main.js')).href;
}
