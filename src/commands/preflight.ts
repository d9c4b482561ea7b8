// Checks and preparations before anything is started: the run-as user, folders, free ports.
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import { assertOwnedBy, createDirs, dropPrivileges, lookupUser, type OsUser } from '../os/drop-privileges.js';
import { prepareDirsAsRoot } from '../os/prepare-dirs.js';
import { assertRunUserAccess } from './run-user-access.js';

/** Fails with one clear line when `port` on `host` is taken (postgres would only say so in its own log). */
export async function assertPortFree(port: number, host: string, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new ManagerError('PORT_IN_USE', `${what} port ${port} on ${host} is already in use`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new ManagerError('USAGE', `${what} address ${host} is not available on this host`));
      else reject(new ManagerError('PORT_IN_USE', `${what} port ${port} on ${host}: ${err.code ?? err.message}`));
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** The folders the manager writes, with their modes (TMPDIR is world-writable and sticky, as in CNPG). */
export function writableDirs(config: Config): { path: string; mode?: number }[] {
  const dirs: { path: string; mode?: number }[] = [];
  if (config.stateDir) dirs.push({ path: config.stateDir });
  dirs.push({ path: dirname(config.pgData) });
  const c = config.controller;
  dirs.push({ path: c.root, mode: 0o755 }, { path: c.run }, { path: c.log }, { path: c.certificates }, { path: c.tmp, mode: 0o1777 });
  if (config.secretsDir) dirs.push({ path: config.secretsDir });
  if (config.statusFile) dirs.push({ path: dirname(config.statusFile) });
  // Locally the WAL folder's parent is the manager's to make (the state folder by default); in a container it is
  // a volume mount (spec.walStorage), made by the operator. The tablespaces' folder is made only when a
  // tablespace needs it (reconcile/tablespaces.ts, bootstrap/extra-folders.ts), so a Cluster without one writes
  // nothing there.
  if (config.stateDir) dirs.push({ path: dirname(config.pgWal) });
  return dirs;
}

/**
 * Root: prepare the folders for the run-as user and become that user for good. Anyone else: the folders
 * are created as ourselves. Returns the OS user name postgres will run as (pg_ident's `local` map).
 */
export async function becomeRunUser(config: Config): Promise<OsUser> {
  // In the image the container's user is the pod spec's decision (uid 26): root there means a securityContext
  // mistake, so refuse as postgres itself does rather than drop privileges (image/README.md).
  if (process.getuid?.() === 0 && config.inImage) {
    throw new ManagerError('PRIVILEGES', 'refusing to run as root inside the container image: run it as uid 26 (securityContext runAsUser: 26, runAsNonRoot: true)');
  }
  if (process.getuid?.() === 0) {
    const user = await lookupUser(config.runAs);
    if (!user) throw new ManagerError('PRIVILEGES', `--run-as ${config.runAs}: no such user in /etc/passwd`);
    await assertOwnedBy(config.pgData, user);
    await assertOwnedBy(config.pgWal, user);
    // Before any folder is created or handed over: the refusal leaves nothing behind.
    const dirs = writableDirs(config);
    assertRunUserAccess(user, [{ path: config.pgData, what: 'PGDATA' }, ...dirs.map((d) => ({ path: d.path, what: 'the folder' }))], dirs.map((d) => d.path));
    await prepareDirsAsRoot(user, config.stateDir, dirs);
    dropPrivileges(user);
  } else {
    await createDirs(writableDirs(config));
  }
  try {
    const info = userInfo();
    return { name: info.username, uid: info.uid, gid: info.gid, home: info.homedir };
  } catch (err) {
    // CNPG falls back to an insecure pg_ident mapping here; we refuse (see README).
    throw new ManagerError('PRIVILEGES', `cannot resolve the name of uid ${process.getuid?.() ?? '?'} (no passwd entry): refusing an insecure pg_ident mapping`, {
      cause: err,
    });
  }
}
