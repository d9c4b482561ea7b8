// barman-cloud's own record of a backup, read straight from the object store: the `backup.info` file that
// barman-cloud-backup uploads last, at `<path>/<server>/base/<backupId>/backup.info` (barman/cloud.py,
// CloudBackup._upload_backup_info; CloudBackupCatalog.get_backup_info reads the same key). It is barman's
// FieldListFile format (barman/infofile.py): one `name=value` line per field, `None` for none, times as
// Python's str(datetime) ("2026-12-07 13:10:44.749617+00:00"), tablespaces as a repr()'d list of tuples.
// Reading it in-process gives the same entry as `barman-cloud-backup-show --format json` without a Python
// process per backup.
import { catalogBackup, type CatalogBackup } from './barman-catalog.js';
import { parsePythonLiteral } from './python-literal.js';

/** barman's backup ID: the local time the backup started, `YYYYMMDDTHHMMSS` (barman/utils.py is_backup_id). */
export const BACKUP_ID = /^\d{8}T\d{6}$/;

/** The folder (with its trailing slash) that holds one folder per backup ID. */
export function backupsFolder(prefix: string, serverName: string): string {
  return `${[prefix, serverName, 'base'].filter((p) => p !== '').join('/')}/`;
}

/** The key of a backup's backup.info under a store prefix and server name. */
export function backupInfoKey(prefix: string, serverName: string, backupId: string): string {
  return `${backupsFolder(prefix, serverName)}${backupId}/backup.info`;
}

// str(datetime): date, time, optional microseconds, optional UTC offset (+HH:MM, rarely +HH:MM:SS). The
// JSON of backup-show gives ctime(), whole seconds: the seconds are kept the same way here, so a Backup's
// startedAt/stoppedAt do not depend on which of the two was read. A naive time is read as UTC, as the
// ctime text has always been (barman itself would take the reader's local zone).
const DATE_TIME = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)/;
const FRACTION = /^\.\d{1,6}/;
const OFFSET = /^[+-]\d\d:\d\d/;
// Offset seconds (Python 3.7+ for zones such as LMT), dropped: the minute is the finest zone step in use.
const OFFSET_SECONDS = /^:\d\d/;

/** barman's str(datetime) as an ISO 8601 time of whole seconds; undefined for anything else. */
export function backupInfoTime(value: string | undefined): string | undefined {
  const m = value === undefined ? null : DATE_TIME.exec(value);
  if (!m || value === undefined) return undefined;
  let rest = value.slice(m[0].length);
  rest = rest.slice(FRACTION.exec(rest)?.[0].length ?? 0);
  const offset = OFFSET.exec(rest)?.[0];
  if (offset === undefined) return rest === '' ? `${m[1] ?? ''}T${m[2] ?? ''}Z` : undefined;
  let tail = rest.slice(offset.length);
  tail = tail.slice(OFFSET_SECONDS.exec(tail)?.[0].length ?? 0);
  tail = tail.slice(FRACTION.exec(tail)?.[0].length ?? 0);
  return tail === '' ? `${m[1] ?? ''}T${m[2] ?? ''}${offset}` : undefined;
}

/** The `name=value` fields of a backup.info, `None` dropped (barman's FieldListFile.load). */
export function backupInfoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`backup.info: invalid line ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(eq + 1).trim();
    if (value !== 'None') fields.set(line.slice(0, eq).trim(), value);
  }
  return fields;
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/** A backup.info's text as the catalog entry of backup `backupId` (the folder it was read from). */
export function parseBackupInfo(text: string, backupId: string): CatalogBackup {
  const f = backupInfoFields(text);
  const tablespaces = f.get('tablespaces');
  return catalogBackup({
    backup_id: backupId,
    backup_name: f.get('backup_name'),
    begin_time_iso: backupInfoTime(f.get('begin_time')),
    end_time_iso: backupInfoTime(f.get('end_time')),
    begin_wal: f.get('begin_wal'),
    end_wal: f.get('end_wal'),
    begin_xlog: f.get('begin_xlog'),
    end_xlog: f.get('end_xlog'),
    timeline: integer(f.get('timeline')),
    status: f.get('status') ?? 'EMPTY',
    error: f.get('error'),
    tablespaces: tablespaces === undefined ? undefined : parsePythonLiteral(tablespaces),
  });
}
