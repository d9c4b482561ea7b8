// How tests start the manager: `node dist/bundle/main.js ARGS` (the ESM bundle, any Node) or, as the image
// does, `node --snapshot-blob dist/snapshot/manager.blob ARGS`. A blob loads only into the Node that built
// it: when the running Node is another one (the suite's second pass on the image's Node), a blob for it is
// built beside the first from the same dist/snapshot/manager.cjs and reused. Either way Node gets the V8 flags
// the image's launcher gives it (src/config/launch-v8-flags.ts), so the suite runs the manager as the image does.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN_JS, REPO_ROOT } from './paths.js';
import { launchV8Flags } from '../../src/config/launch-v8-flags.js';

export type Launch = 'bundle' | 'snapshot';

const SNAPSHOT_DIR = join(REPO_ROOT, 'dist', 'snapshot');

/** PGIM_TEST_LAUNCH=snapshot runs the whole suite's managers from the snapshot (default: the bundle). */
export function defaultLaunch(): Launch {
  return process.env.PGIM_TEST_LAUNCH === 'snapshot' ? 'snapshot' : 'bundle';
}

/** The snapshot blob for the running Node (built by `npm run build`, or here for another Node). */
export function snapshotBlob(): string {
  const built = join(SNAPSHOT_DIR, 'manager.blob');
  const builtBy = readFileSync(join(SNAPSHOT_DIR, 'node-version'), 'utf8').trim();
  if (builtBy === process.version) return built;
  const own = join(SNAPSHOT_DIR, `manager-${process.version}.blob`);
  const source = join(SNAPSHOT_DIR, 'manager.cjs');
  if (!existsSync(own) || statSync(own).mtimeMs < statSync(source).mtimeMs) {
    execFileSync(process.execPath, ['--no-warnings', ...launchV8Flags(), '--snapshot-blob', own, '--build-snapshot', source], { stdio: 'inherit' });
  }
  return own;
}

/** What follows `node` on the command line to run the manager. */
export function managerEntry(launch: Launch = defaultLaunch()): string[] {
  return [...launchV8Flags(), ...(launch === 'snapshot' ? ['--snapshot-blob', snapshotBlob()] : [MAIN_JS])];
}
