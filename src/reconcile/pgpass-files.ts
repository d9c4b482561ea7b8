// libpq password files the manager keeps under the controller directory:
//   <controller>/pgpass/owner.pgpass      the application owner (from its Secret)
//   <controller>/pgpass/superuser.pgpass  postgres, only while enableSuperuserAccess is true
//   <controller>/external/<server>/pgpass externalClusters[*].password (CNPG pkg/management/external), plus the
//                                         sslcert/sslkey/sslrootcert keys as <secret>_<key>
// Files are 0600 in 0700 folders. Everything is planned (and every Secret checked) before anything is
// written, so a bad Secret or name changes no file. Contents hold passwords: never log them.
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControllerPaths } from '../config/constants.js';
import { ManagerError, wrap } from '../errors.js';
import { isPasswordHash } from '../db/scram.js';
import { renderPgpassFile, renderPgpassLine, type PgpassEntry } from '../pgfiles/pgpass.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import type { SecretObject } from '../model/objects.js';
import { externalClusterFiles } from './external-passfiles.js';
import { secretCredentials } from './passwords.js';

/** Folder under the controller directory that holds the local password files. */
export const PGPASS_DIR = 'pgpass';
export const OWNER_PASSFILE = 'owner.pgpass';
export const SUPERUSER_PASSFILE = 'superuser.pgpass';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface PassfileInput {
  cluster: Cluster;
  source: SpecSource;
  controller: ControllerPaths;
  port: number;
}

export interface PlannedFile {
  path: string;
  content: string | Buffer;
}

export interface PassfilePlan {
  /** Folders to create (or tighten) with 0700, parents first. */
  dirs: string[];
  files: PlannedFile[];
  /** Files that must not exist (the superuser's while superuser access is off). */
  remove: string[];
}

// The places a local client reaches this instance from: the Unix socket folder (libpq matches a socket
// connection on its path), the loopback names, and the -rw service name CNPG's own pgpass key uses.
function localHosts(cluster: Cluster, controller: ControllerPaths): string[] {
  return [controller.run, 'localhost', '127.0.0.1', '::1', `${cluster.name}-rw`];
}

function localEntries(hosts: string[], port: number, dbname: string, user: string, password: string): PgpassEntry[] {
  return hosts.map((host) => ({ host, port, dbname, user, password }));
}

// A cleartext password is needed for a password file: a pre-hashed or passed-through value cannot be used.
function usablePassword(found: SecretObject | undefined, role: string): string | undefined {
  if (!found) return undefined;
  const creds = secretCredentials(found, role);
  return creds.passthrough || isPasswordHash(creds.password) ? undefined : creds.password;
}

/** Reads the Secrets and renders every password file; throws (naming the Secret or field) before any write. */
export async function planPassfiles(input: PassfileInput): Promise<PassfilePlan> {
  const { cluster, source, controller, port } = input;
  const dir = join(controller.root, PGPASS_DIR);
  const plan: PassfilePlan = { dirs: [dir], files: [], remove: [] };
  const hosts = localHosts(cluster, controller);
  const initdb = cluster.spec.bootstrap.initdb;
  const ownerPassword = usablePassword(await source.getSecret(initdb.secretName), initdb.owner);
  const ownerPath = join(dir, OWNER_PASSFILE);
  if (ownerPassword === undefined) plan.remove.push(ownerPath);
  else plan.files.push({ path: ownerPath, content: renderPgpassFile(localEntries(hosts, port, initdb.database, initdb.owner, ownerPassword)) });

  const superuserPath = join(dir, SUPERUSER_PASSFILE);
  const suPassword = cluster.spec.enableSuperuserAccess
    ? usablePassword(await source.getSecret(cluster.spec.superuserSecretName), 'postgres')
    : undefined;
  if (suPassword === undefined) plan.remove.push(superuserPath);
  else plan.files.push({ path: superuserPath, content: renderPgpassFile(localEntries(hosts, port, '*', 'postgres', suPassword)) });

  const external = await externalClusterFiles(cluster, source, controller.external);
  if (external.length > 0) plan.dirs.push(controller.external);
  for (const server of external) {
    plan.dirs.push(server.dir);
    if (server.password !== undefined) {
      // Exactly one line, no trailing newline, dbname always `*` (CNPG external/internal/pgpass).
      plan.files.push({ path: join(server.dir, 'pgpass'), content: renderPgpassLine({ ...server.password, dbname: '*' }) });
    }
    for (const f of server.sslFiles) plan.files.push({ path: join(server.dir, f.fileName), content: f.bytes });
  }
  return plan;
}

export interface PassfileResult {
  changed: string[];
  removed: string[];
}

/** Writes the planned files atomically (0600, folders 0700) and removes the ones that must not exist. */
export async function applyPassfiles(plan: PassfilePlan): Promise<PassfileResult> {
  const result: PassfileResult = { changed: [], removed: [] };
  try {
    for (const dir of plan.dirs) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- folders under the controller directory
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      // mkdir's mode passes through the umask and leaves an existing folder as it was: enforce 0700.
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
      await chmod(dir, DIR_MODE);
    }
    for (const file of plan.files) {
      if ((await writeFileAtomic(file.path, file.content, FILE_MODE)).changed) result.changed.push(file.path);
    }
    for (const path of plan.remove) {
      const existed = await rm(path).then(() => true, (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      });
      if (existed) result.removed.push(path);
    }
  } catch (err) {
    // fs errors name the path, never the content.
    throw err instanceof ManagerError ? err : wrap('CONFIG_WRITE', 'while writing password files', err);
  }
  return result;
}
