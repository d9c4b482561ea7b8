// barman's catalog as JSON (`barman-cloud-backup-list/show --format json`) and the choice of the backup a
// recovery starts from (barman-cloud pkg/catalog/catalog.go). barman 3.4 prints ctime times in UTC
// ("Thu Dec  3 08:30:35 2026"), newer versions add *_iso fields: both are read.
import { parseLsn } from '../model/lsn.js';

/** One backup of the catalog, with its times parsed. */
export interface CatalogBackup {
  backupId: string;
  backupName?: string;
  beginTime?: Date;
  endTime?: Date;
  beginWal?: string;
  endWal?: string;
  beginLSN?: string;
  endLSN?: string;
  timeline?: number;
  status?: string;
  error?: string;
  /** The backup's tablespaces (barman infofile.py: [name, oid, location] each). */
  tablespaces?: BackupTablespace[];
}

/** One tablespace of a backup. */
export interface BackupTablespace {
  name: string;
  oid: string;
  location: string;
}

function tablespaceList(v: unknown): BackupTablespace[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v
    .filter((t): t is unknown[] => Array.isArray(t) && t.length >= 3)
    .map((t) => ({ name: String(t[0]), oid: String(t[1]), location: String(t[2]) }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses barman's ctime ("Thu Dec  3 08:30:35 2026", UTC) or an ISO time; undefined for anything else. */
export function parseBarmanTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(value.trim());
  if (m) {
    const month = MONTHS.indexOf(m[1] ?? '');
    if (month < 0) return undefined;
    return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
  }
  const iso = new Date(value);
  return Number.isNaN(iso.getTime()) ? undefined : iso;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** One catalog entry from barman's JSON fields (`backup_id`, `begin_time`, `end_xlog`...). */
export function catalogBackup(raw: Record<string, unknown>): CatalogBackup {
  return {
    backupId: str(raw.backup_id) ?? '',
    backupName: str(raw.backup_name),
    beginTime: parseBarmanTime(raw.begin_time_iso ?? raw.begin_time),
    endTime: parseBarmanTime(raw.end_time_iso ?? raw.end_time),
    beginWal: str(raw.begin_wal),
    endWal: str(raw.end_wal),
    beginLSN: str(raw.begin_xlog),
    endLSN: str(raw.end_xlog),
    timeline: typeof raw.timeline === 'number' ? raw.timeline : undefined,
    status: str(raw.status),
    error: str(raw.error),
    tablespaces: tablespaceList(raw.tablespaces),
  };
}

/** `backup-list --format json` -> backups sorted by end time (oldest first). */
export function parseBackupList(json: string): CatalogBackup[] {
  const parsed = JSON.parse(json) as { backups_list?: Record<string, unknown>[] };
  const list = (parsed.backups_list ?? []).map(catalogBackup);
  return list.sort((a, b) => (a.endTime?.getTime() ?? 0) - (b.endTime?.getTime() ?? 0));
}

/** `backup-show --format json` -> the one backup. */
export function parseBackupShow(json: string): CatalogBackup {
  const parsed = JSON.parse(json) as { cloud?: Record<string, unknown> };
  return catalogBackup(parsed.cloud ?? {});
}

/** A backup is usable iff both times parsed and barman says DONE (catalog.go IsDone). */
export function isDone(b: CatalogBackup): boolean {
  return b.beginTime !== undefined && b.endTime !== undefined && (b.status === undefined || b.status === 'DONE');
}

/** What a recovery aims at, for the choice of the backup. */
export interface BackupChoice {
  backupID?: string;
  targetTime?: Date;
  targetLSN?: string;
  targetTLI?: string;
}

/**
 * The backup a recovery starts from (catalog.go FindBackupInfo): backupID exactly; targetTime: the newest
 * done backup that ended at or before it; targetLSN: the newest that ended before it; else the newest.
 * Undefined when none can reach the target; the caller says why.
 */
export function chooseBackup(backups: readonly CatalogBackup[], want: BackupChoice): CatalogBackup | undefined {
  const tli = want.targetTLI === undefined || want.targetTLI === 'latest' ? undefined : Number(want.targetTLI);
  const done = backups.filter(isDone).filter((b) => tli === undefined || b.timeline === tli);
  if (want.backupID !== undefined) return done.find((b) => b.backupId === want.backupID);
  let candidates = done;
  if (want.targetTime) candidates = done.filter((b) => (b.endTime?.getTime() ?? Infinity) <= (want.targetTime?.getTime() ?? 0));
  else if (want.targetLSN !== undefined) candidates = done.filter((b) => b.endLSN !== undefined && (parseLsn(b.endLSN) ?? 0n) < (parseLsn(want.targetLSN) ?? 0n));
  return candidates[candidates.length - 1];
}
