// The bootstrap marker in PGDATA says how far a first start got, so an interrupted one is finished or redone
// by the next start instead of stranding the user. Its phases, each made durable before the next step:
// - `initdb`: written by initdb's step before the rename into place. PGDATA (initdb ran with --no-sync) may
//   not be on disk yet and no password was set, so nobody has used it: the next start creates it again.
// - `bootstrapped`: the bootstrap SQL has committed and PGDATA is on disk. Only the passwords and the
//   marker's removal remain: the next start finishes them (and never throws this PGDATA away).
// - `recovery`: a restored backup whose recovery has not finished (recovery-step.ts): the next start
//   throws it away and restores again; it never starts as a half-recovered cluster.
// - `snapshot`: PGDATA is a PVC restored from a VolumeSnapshot whose recovery (`instance restoresnapshot`) has
//   not finished: only that command goes on with it; nothing throws it away (it is the user's only copy here).
// A marker without a phase was written by an earlier version, whose bootstrap may have served users: it is
// finished like `bootstrapped`, after a new sync.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isoTime } from '../log/iso-time.js';
import { fsyncDir, writeFileAtomic } from '../files/write-file-atomic.js';

/** Present in PGDATA from initdb until the application database, owner and passwords exist. */
export const BOOTSTRAP_MARKER = 'pgim.bootstrap-pending';

export type MarkerPhase = 'initdb' | 'bootstrapped' | 'recovery' | 'snapshot' | 'legacy';

/** The phase recorded in `dir`'s marker, or undefined when there is none. */
export async function readMarker(dir: string): Promise<MarkerPhase | undefined> {
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pgim.bootstrap-pending
    text = await readFile(join(dir, BOOTSTRAP_MARKER), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const phase = /^phase=(initdb|bootstrapped|recovery|snapshot)$/m.exec(text)?.[1];
  return phase === 'initdb' || phase === 'bootstrapped' || phase === 'recovery' || phase === 'snapshot' ? phase : 'legacy';
}

/** Records `phase` in `dir`'s marker, durably (writeFileAtomic syncs the file and its folder entry). */
export async function writeMarker(dir: string, phase: 'initdb' | 'bootstrapped' | 'recovery' | 'snapshot'): Promise<void> {
  await writeFileAtomic(join(dir, BOOTSTRAP_MARKER), `phase=${phase}\nat=${isoTime()}\n`, 0o600);
}

/** Removes the marker once the bootstrap is complete, durably. */
export async function clearMarker(dir: string): Promise<void> {
  await rm(join(dir, BOOTSTRAP_MARKER), { force: true });
  await fsyncDir(dir);
}
