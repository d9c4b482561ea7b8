// Where a Backup's status goes. Kubernetes: a merge patch of the Backup's status through the ServiceAccount
// (kube/backup-status.ts, GET + patch with the resourceVersion, retried on conflicts, as CNPG's
// PatchBackupStatusAndRetry). Embedded default: one JSON file per Backup in a `backups` folder beside the
// status file, merge-patched and replaced atomically, so `cat` shows the same object kubectl would.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import { mergePatch, parseStatusText, readStatusText } from '../source/status-file.js';
import { ManagerError } from '../errors.js';

/** A Backup object's status, as CNPG's api/v1 BackupStatus (only the fields this manager writes are typed). */
export type BackupStatus = Record<string, unknown>;

export interface BackupObjects {
  /** Merge-patches the status of Backup `name`. */
  patch(name: string, patch: BackupStatus): Promise<void>;
}

/** The embedded default's Backup files: `<folder>/<name>.json`, each a whole Backup object. */
export class BackupFiles implements BackupObjects {
  constructor(
    readonly folder: string,
    private readonly clusterName: string,
  ) {}

  #path(name: string): string {
    checkBackupName(name);
    return join(this.folder, `${name}.json`);
  }

  /** The Backup object, or undefined when there is no file for it. */
  async read(name: string): Promise<Record<string, unknown> | undefined> {
    const text = await readStatusText(this.#path(name));
    return text === undefined ? undefined : parseStatusText(text, this.#path(name));
  }

  async patch(name: string, patch: BackupStatus): Promise<void> {
    await this.#merge(name, { status: patch });
  }

  /** Writes the Backup's spec (what `kubectl cnpg backup` puts in the object it creates), merged over its own. */
  async writeSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.#merge(name, { spec });
  }

  async #merge(name: string, patch: Record<string, unknown>): Promise<void> {
    const current = (await this.read(name)) ?? {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Backup',
      metadata: { name },
      spec: { cluster: { name: this.clusterName }, method: 'barmanObjectStore' },
    };
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our state folder
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.#path(name), `${JSON.stringify(mergePatch(current, patch), null, 2)}\n`, 0o600);
  }

  /** Every Backup object in the folder. */
  async list(): Promise<Record<string, unknown>[]> {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our state folder
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const objects = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.read(n.slice(0, -5))));
    return objects.filter((o): o is Record<string, unknown> => o !== undefined);
  }
}

/** Throws unless `name` is a Kubernetes object name (RFC 1123 subdomain), which is also one safe path component. */
export function checkBackupName(name: string): void {
  if (name.length > 253 || !/^[a-z0-9][-a-z0-9.]*$/.test(name) || !/[a-z0-9]$/.test(name)) {
    throw new ManagerError('USAGE', `'${name.slice(0, 64)}' is not a valid Backup name (lower-case letters, digits, '-' and '.', at most 253)`);
  }
}
