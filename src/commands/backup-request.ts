// `backup NAME` and `backups`: clients of the running manager's local backup channel
// (backup/backup-socket.ts), as CNPG's `manager backup` asks its local webserver (internal/cmd/manager/backup/cmd.go).
// `backup` answers once the backup runs; it continues inside the manager, which writes the Backup's status.
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { EXIT } from '../config/constants.js';
import type { Flags } from '../config/flags.js';
import { ManagerError } from '../errors.js';
import { BACKUP_SOCKET } from '../backup/backup-socket.js';

/** The socket of the manager this command talks to: under --state-dir when given, else the controller's run directory. */
export function backupSocketPath(config: Config, flags: Flags, cwd: string): string {
  const state = typeof flags['state-dir'] === 'string' ? flags['state-dir'] : undefined;
  const run = state && !flags['controller-dir'] ? resolve(cwd, state, 'controller', 'run') : config.controller.run;
  return join(run, BACKUP_SOCKET);
}

function call(socketPath: string, method: string, path: string): Promise<{ status: number; body: { data?: unknown; error?: { message?: string } } }> {
  return new Promise((done, fail) => {
    const req = request({ socketPath, method, path, timeout: 600_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown } });
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 600 s')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new ManagerError('BACKUP', `no running instance manager with backups at ${socketPath} (is \`instance run\` running, with spec.backup.barmanObjectStore or volumeSnapshot?)`) : err),
    );
    req.end();
  });
}

/** Asks the running manager to start Backup `name` (with `kubectl cnpg backup`'s options); prints what runs. */
export async function backupCommand(socketPath: string, name: string, out: (text: string) => void, flags: Flags = {}): Promise<number> {
  const query = new URLSearchParams({ name });
  const options = { method: 'method', online: 'online', immediateCheckpoint: 'immediate-checkpoint', waitForArchive: 'wait-for-archive' } as const;
  for (const [param, flag] of Object.entries(options)) {
    const value = flags[flag]; // eslint-disable-line security/detect-object-injection -- literal keys
    if (typeof value === 'string') query.set(param, value);
  }
  const { status, body } = await call(socketPath, 'POST', `/pg/backup?${query.toString()}`);
  if (status !== 200) throw new ManagerError('BACKUP', body.error?.message ?? `HTTP ${status}`);
  const data = body.data as { backupName?: string; method?: string };
  const what = data.method === 'volumeSnapshot' ? 'volume snapshots' : `barman name ${data.backupName ?? '?'}`;
  out(`backup ${name} started (${what}); its status is written to the Backup as it goes\n`);
  return EXIT.ok;
}

interface Listed {
  destinationPath: string;
  serverName: string;
  firstRecoverabilityPoint?: string;
  backups: { backupId: string; backupName?: string; beginTime?: string; endTime?: string; beginWal?: string; endWal?: string; status?: string }[];
}

/** Prints the catalog as a table and the recoverability window. */
export async function backupsCommand(socketPath: string, out: (text: string) => void): Promise<number> {
  const { status, body } = await call(socketPath, 'GET', '/pg/backups');
  if (status !== 200) throw new ManagerError('BACKUP', body.error?.message ?? `HTTP ${status}`);
  const l = body.data as Listed;
  const rows = [['BACKUP ID', 'NAME', 'BEGIN (UTC)', 'END (UTC)', 'BEGIN WAL', 'END WAL', 'STATUS']];
  for (const b of l.backups) rows.push([b.backupId, b.backupName ?? '', b.beginTime ?? '', b.endTime ?? '', b.beginWal ?? '', b.endWal ?? '', b.status ?? '']);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r.at(i) ?? '').length))) ?? [];
  for (const r of rows) out(`${r.map((c, i) => c.padEnd(widths.at(i) ?? 0)).join('  ').trimEnd()}\n`);
  out(`\n${l.destinationPath} (server ${l.serverName}): `);
  out(l.firstRecoverabilityPoint ? `recoverable from ${l.firstRecoverabilityPoint} to the last archived WAL\n` : 'no completed backup: nothing to recover from yet\n');
  return EXIT.ok;
}
