// spec.backup.volumeSnapshot in force: a volume-snapshot Backup of the running sample completes, with one snapshot
// folder per volume (PGDATA, the WAL folder with walStorage, each tablespace) in <state>/volume-snapshots, named
// as CNPG names the VolumeSnapshots, and backup_label in PGDATA's for an online one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backupEnded, runManagerCommandRaw } from '../backup-stack.js';
import { at, notInForce, type SampleCheck } from './sample-check.js';

export const snapshotBackupCheck: SampleCheck = {
  name: 'volume-snapshot backup',
  covers: ['spec.backup.volumeSnapshot'],
  async run(r) {
    const name = 'sample-snapshot';
    // An immediate checkpoint: the samples' default (a spread one) paces pg_backup_start over up to 4.5 minutes.
    const asked = await runManagerCommandRaw(['backup', name, '--method', 'volumeSnapshot', '--immediate-checkpoint', 'true', '--state-dir', r.stateDir]);
    if (asked.code !== 0) throw notInForce('spec.backup.volumeSnapshot', `backup ${name} --method volumeSnapshot: ${asked.stderr.trim()}`);
    const status = await backupEnded(r.stateDir, name, 60_000);
    if (status.phase !== 'completed') throw notInForce('spec.backup.volumeSnapshot', `Backup ${name} ${String(status.phase)}: ${String(status.error)}`);
    const elements = (at(status, 'snapshotBackupStatus', 'elements') as { name: string; type: string }[] | undefined) ?? [];
    const missing = elements.filter((e) => !existsSync(join(r.stateDir, 'volume-snapshots', e.name)));
    if (elements.length === 0 || missing.length > 0) throw notInForce('spec.backup.volumeSnapshot', `snapshot folders missing: ${JSON.stringify(missing.length > 0 ? missing : status)}`);
    const online = status.online === true;
    if (online && !existsSync(join(r.stateDir, 'volume-snapshots', name, 'backup_label'))) throw notInForce('spec.backup.volumeSnapshot.online', 'no backup_label in the PGDATA snapshot');
    return [`${online ? 'online' : 'offline'} snapshots ${elements.map((e) => `${e.name} (${e.type})`).join(', ')}`];
  },
};
