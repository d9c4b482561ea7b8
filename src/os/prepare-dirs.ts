// Started as root, the manager creates its folders and hands them to the run user before dropping privileges.
// The state folder belongs to that user, who can therefore replace any folder inside it with a symbolic link
// (`controller/tmp -> /etc`): a chown that followed it would give /etc away at the next start as root. So every
// path is walked one component at a time through directory descriptors (`/proc/self/fd/N/name`, openat(2)'s
// semantics without a native call), each opened with O_NOFOLLOW, and chown/chmod act on the descriptor:
// - below the state folder no symbolic link is followed at all;
// - above it (and for folders configured elsewhere) only a link that root made in a folder only root can
//   change is followed (`/var/run -> /run`); one the run user could have planted is refused;
// - chown happens only to the state folder, folders inside it, and folders created by this very call:
//   an existing folder elsewhere that is not the run user's is refused, never taken over.
import { constants } from 'node:fs';
import { lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ManagerError } from '../errors.js';
import type { OsUser } from './drop-privileges.js';

export interface DirSpec {
  path: string;
  /** Mode for a folder created now (default 0700); existing folders keep theirs. */
  mode?: number;
}

const DIR_NOFOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const DIR_FOLLOW = constants.O_RDONLY | constants.O_DIRECTORY;

/** As root: creates each folder when missing and hands it to `user`, without following a planted symlink. */
export async function prepareDirsAsRoot(user: OsUser, stateDir: string | undefined, dirs: readonly DirSpec[]): Promise<void> {
  for (const dir of dirs) await prepareOne(user, stateDir === undefined ? undefined : resolve(stateDir), dir);
}

async function prepareOne(user: OsUser, stateDir: string | undefined, dir: DirSpec): Promise<void> {
  const target = resolve(dir.path);
  const inState = stateDir !== undefined && within(stateDir, target);
  const parts = target.split(sep).filter((p) => p !== '');
  let handle = await open('/', DIR_NOFOLLOW);
  let path = '';
  let created = false;
  try {
    for (const [i, name] of parts.entries()) {
      path = `${path}/${name}`;
      const last = i === parts.length - 1;
      // Below (not at) the state folder, nothing may be a link; above it, a link root made may be followed.
      const strict = stateDir !== undefined && within(stateDir, path) && path !== stateDir;
      const next = await openChild(handle, path, name, strict, last ? (dir.mode ?? 0o700) : 0o755);
      await handle.close();
      handle = next.handle;
      created = next.created;
    }
    const info = await handle.stat();
    if (info.uid !== user.uid) {
      if (!inState && !created) {
        throw new ManagerError(
          'PRIVILEGES',
          `${target} is owned by uid ${info.uid}, not by ${user.name} (uid ${user.uid}): started as root the manager hands over only the state folder, what is inside it and folders it creates; give it to ${user.name} first (chown ${user.name} ${target})`,
        );
      }
      await handle.chown(user.uid, user.gid);
    }
    // mkdir's mode passes through the umask: set an explicit mode (TMPDIR's 01777) on a folder created now.
    if (created && dir.mode !== undefined) await handle.chmod(dir.mode);
  } finally {
    await handle.close();
  }
}

/** Opens (creating when missing) the folder `name` inside the open folder `parent`, never through a planted link. */
async function openChild(parent: FileHandle, path: string, name: string, strict: boolean, mode: number): Promise<{ handle: FileHandle; created: boolean }> {
  const viaFd = `/proc/self/fd/${parent.fd}/${name}`;
  let created = false;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a component under an open descriptor
    await mkdir(viaFd, { mode });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw wrap(err, path);
  }
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
    return { handle: await open(viaFd, DIR_NOFOLLOW), created };
  } catch (err) {
    // O_NOFOLLOW on a link gives ELOOP, or ENOTDIR together with O_DIRECTORY (Linux): lstat tells which.
    const code = (err as NodeJS.ErrnoException).code;
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a component under an open descriptor
    if ((code !== 'ELOOP' && code !== 'ENOTDIR') || !(await lstat(viaFd)).isSymbolicLink()) throw wrap(err, path);
  }
  if (strict || !(await trustedLink(parent, viaFd))) {
    throw new ManagerError(
      'PRIVILEGES',
      `${path} is a symbolic link that the run user could have planted: started as root the manager never follows one in the folders it creates or hands over; remove it and start again`,
    );
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a link only root could have made
  return { handle: await open(viaFd, DIR_FOLLOW), created: false };
}

/** A link root made in a folder root owns and nobody else can change (or a sticky one, where links keep their owner). */
async function trustedLink(parent: FileHandle, viaFd: string): Promise<boolean> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a component under an open descriptor
  const link = await lstat(viaFd);
  const folder = await parent.stat();
  const othersWrite = (folder.mode & 0o022) !== 0 && (folder.mode & 0o1000) === 0;
  return link.uid === 0 && folder.uid === 0 && !othersWrite;
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function wrap(err: unknown, path: string): ManagerError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ENOTDIR') return new ManagerError('PRIVILEGES', `${path} is not a folder`, { cause: err });
  return new ManagerError('PRIVILEGES', `cannot prepare folder ${path}: ${code}`, { cause: err });
}
