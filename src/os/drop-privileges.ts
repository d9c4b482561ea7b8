// Started as root (a fresh build machine, `npm start`), the manager prepares its folders, hands them to the
// run-as user and drops its own privileges for good, so initdb, postgres and every file it writes belong to
// that user. postgres itself refuses to run as root.
import { readFile, mkdir, chmod, stat } from 'node:fs/promises';
import { ManagerError } from '../errors.js';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Looks a user up in /etc/passwd by name or numeric uid. */
export async function lookupUser(nameOrUid: string): Promise<OsUser | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (name === nameOrUid || uid === nameOrUid) return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
  }
  return undefined;
}

/** Not root: creates each folder (0700, or the given mode) when missing, as ourselves. */
export async function createDirs(dirs: readonly { path: string; mode?: number }[]): Promise<void> {
  for (const { path, mode } of dirs) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- folders from the validated Config
    const created = await mkdir(path, { recursive: true, mode: mode ?? 0o700 });
    // mkdir's mode passes through the umask: set an explicit mode (TMPDIR's 01777) on folders we created.
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
    if (created !== undefined && mode !== undefined) await chmod(path, mode);
  }
}

/** Checks that an existing PGDATA belongs to the user (never chown someone's data directory behind their back). */
export async function assertOwnedBy(path: string, user: OsUser): Promise<void> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA from the Config
    const info = await stat(path);
    if (info.uid !== user.uid) {
      throw new ManagerError('PGDATA', `${path} is owned by uid ${info.uid}, not by ${user.name} (uid ${user.uid})`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
}

/** Irreversibly becomes `user` (supplementary groups, gid, then uid). */
export function dropPrivileges(user: OsUser): void {
  if (user.uid === 0) throw new ManagerError('PRIVILEGES', `--run-as ${user.name}: refusing to run postgres as root`);
  if (!process.setuid || !process.setgid || !process.setgroups) {
    throw new ManagerError('PRIVILEGES', 'this platform cannot change the process user');
  }
  process.setgroups([user.gid]);
  process.setgid(user.gid);
  process.setuid(user.uid);
  process.env.HOME = user.home;
  process.env.USER = user.name;
  process.env.LOGNAME = user.name;
  if (process.getuid?.() !== user.uid) throw new ManagerError('PRIVILEGES', `failed to become ${user.name}`);
}
