// Started as root, the manager drops to the run-as user before initdb; everything it reads after that (the
// lazily loaded bundle chunks, the native addon, the monitoring queries, the certificate child, package.json)
// must be readable by that user, and the folders it will write must be reachable. Checked as root from the
// mode bits, BEFORE any folder is created or handed over: a refusal then names what is unreadable and
// leaves nothing behind (a checkout under /root, mode 0700, used to fail later as an INTERNAL error after
// creating a postgres-owned state folder).
import { readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagerError } from '../errors.js';
import { packageRoot } from '../config/package-root.js';
import type { OsUser } from '../os/drop-privileges.js';

const READ = 4;
const SEARCH = 1;

/** What the user's permission bits on `st` allow (owner, else group, else other; supplementary groups are dropped). */
function allows(st: Stats, user: OsUser, bits: number): boolean {
  const mode = st.uid === user.uid ? st.mode >> 6 : st.gid === user.gid ? st.mode >> 3 : st.mode;
  return (mode & bits) === bits;
}

function modeText(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * The first existing folder on the way to `path` (and `path` itself with `self`) that the user cannot search;
 * folders in `handedOver` are given to the user before the drop (prepareDirs), so they do not block.
 */
function blockingAncestor(path: string, user: OsUser, self = false, handedOver: ReadonlySet<string> = new Set()): { dir: string; st: Stats } | undefined {
  const parts = resolve(path).split(sep).filter((p) => p !== '');
  for (let i = 0; i < parts.length + (self ? 1 : 0); i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    if (handedOver.has(dir)) continue;
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- an ancestor of a configured or package path
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st) return undefined; // created later by us, below a folder already checked
    if (!allows(st, user, SEARCH)) return { dir, st };
  }
  return undefined;
}

/** The folder of the running code inside dist/ (dist/bundle for the bundle, dist/src for tsc's output). */
function codeFolder(root: string): string | undefined {
  const rel = relative(join(root, 'dist'), dirname(fileURLToPath(import.meta.url)));
  const top = rel.split(sep)[0];
  return top && !rel.startsWith('..') ? join(root, 'dist', top) : undefined;
}

/** Every file and folder below `dir` the user cannot read (or search): at most `limit` of them. */
function unreadableBelow(dir: string, user: OsUser, limit: number, out: string[] = []): string[] {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a folder of our own package
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (out.length >= limit) break;
    const path = join(dir, entry.name);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
    const st = statSync(path);
    if (st.isDirectory()) {
      if (!allows(st, user, READ | SEARCH)) out.push(`${path} (mode ${modeText(st)})`);
      else unreadableBelow(path, user, limit, out);
    } else if (!allows(st, user, READ)) out.push(`${path} (mode ${modeText(st)})`);
  }
  return out;
}

/**
 * Refuses, before anything is written, when `user` could not read the manager's own files or reach the
 * folders it will write. `dirs` are the configured folders (PGDATA, the state folder...), named by `what`;
 * `handedOver` the folders prepareDirs gives to the user.
 */
export function assertRunUserAccess(user: OsUser, dirs: readonly { path: string; what: string }[], handedOver: readonly string[]): void {
  const advice = `started as root the manager runs as ${user.name} (--run-as)`;
  const given = new Set(handedOver.map((d) => resolve(d)));
  for (const { path, what } of dirs) {
    const blocked = blockingAncestor(path, user, false, given);
    if (blocked) {
      throw new ManagerError('PRIVILEGES', `user ${user.name} cannot reach ${what} ${resolve(path)}: ${blocked.dir} is not searchable by it (mode ${modeText(blocked.st)}); ${advice}: use folders ${user.name} can reach. Nothing was written`);
    }
  }
  const root = packageRoot();
  const fix = `${advice} and loads parts of the manager after that: put the package where ${user.name} can read it (e.g. a clone under /opt or /srv, or \`chmod -R o+rX\` on it), or start it as ${user.name}. Nothing was written`;
  const blocked = blockingAncestor(root, user, true);
  if (blocked) throw new ManagerError('PRIVILEGES', `user ${user.name} cannot read the manager's own files in ${root}: ${blocked.dir} is not searchable by it (mode ${modeText(blocked.st)}); ${fix}`);
  const files = ['package.json', 'build/Release/os_calls.node', 'image/monitoring/queries.yaml'].map((f) => join(root, f));
  const unreadable: string[] = [];
  for (const file of files) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed files of our own package
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && !allows(st, user, READ)) unreadable.push(`${file} (mode ${modeText(st)})`);
    else if (st && blockingAncestor(file, user)) unreadable.push(`${dirname(file)}`);
  }
  const code = codeFolder(root);
  if (code) unreadable.push(...unreadableBelow(code, user, 5));
  if (unreadable.length > 0) throw new ManagerError('PRIVILEGES', `user ${user.name} cannot read the manager's own files: ${unreadable.slice(0, 5).join(', ')}; ${fix}`);
}
