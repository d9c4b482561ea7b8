// The flags CNPG's operator passes to `instance restoresnapshot` (pkg/specs/jobs.go
// CreatePrimaryJobViaRestoreSnapshot): --backuplabel and --tablespacemap, each the base64 of the file
// pg_backup_stop handed back for an online snapshot, taken from the VolumeSnapshot's cnpg.io/backupLabelFile and
// cnpg.io/tablespaceMapFile annotations. CNPG decodes them (restoresnapshot/cmd.go) and writes them as they are;
// here they are also checked to be what they claim, before anything in PGDATA is touched: a wrong annotation
// is a clear error, not a recovery that starts from the wrong place.
import { ManagerError } from '../errors.js';
import { parseTablespaceMap } from './snapshot-copy.js';

export interface SnapshotFlags {
  /** backup_label's content: an online snapshot. Undefined for a cold one. */
  backupLabel?: Buffer;
  /** tablespace_map's entries (online snapshot with tablespaces). */
  tablespaceMap?: { oid: string; path: string }[];
}

/** Strict base64 (RFC 4648 standard alphabet, padded; line breaks allowed, as Go's StdEncoding skips them). */
export function decodeBase64Flag(flag: string, value: string): Buffer {
  const text = value.replace(/[\r\n]/g, '');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new ManagerError('USAGE', `--${flag}: not base64 (the operator passes the VolumeSnapshot annotation's value as it is)`);
  }
  const bytes = Buffer.from(text, 'base64');
  // Node ignores the bits a non-canonical last character carries: re-encoding tells such input apart.
  if (bytes.toString('base64') !== text) throw new ManagerError('USAGE', `--${flag}: not base64 (non-canonical padding)`);
  return bytes;
}

const LSN = '[0-9A-F]{1,8}/[0-9A-F]{1,8}';

/** Throws unless `text` reads as a backup_label (PostgreSQL xlogbackup.c build_backup_content). */
export function checkBackupLabel(text: string): void {
  const missing = [
    [new RegExp(`^START WAL LOCATION: ${LSN} \\(file [0-9A-F]{24}\\)$`, 'm'), 'START WAL LOCATION'],
    [new RegExp(`^CHECKPOINT LOCATION: ${LSN}$`, 'm'), 'CHECKPOINT LOCATION'],
  ].filter(([re]) => !(re as RegExp).test(text)).map(([, name]) => name as string);
  if (missing.length > 0) {
    const first = JSON.stringify(text.split('\n')[0]?.slice(0, 80) ?? '');
    throw new ManagerError('USAGE', `--backuplabel: the decoded text is not a backup_label (no valid ${missing.join(' or ')} line; it starts ${first})`);
  }
}

/** Decodes and checks the flags; throws a USAGE error naming the flag. */
export function decodeSnapshotFlags(flags: { backuplabel?: string; tablespacemap?: string }): SnapshotFlags {
  const out: SnapshotFlags = {};
  if (flags.backuplabel !== undefined && flags.backuplabel !== '') {
    out.backupLabel = decodeBase64Flag('backuplabel', flags.backuplabel);
    checkBackupLabel(out.backupLabel.toString('utf8'));
  }
  if (flags.tablespacemap !== undefined && flags.tablespacemap !== '') {
    if (out.backupLabel === undefined) throw new ManagerError('USAGE', '--tablespacemap without --backuplabel: a tablespace_map only comes with an online snapshot\'s backup_label');
    const text = decodeBase64Flag('tablespacemap', flags.tablespacemap).toString('utf8');
    try {
      out.tablespaceMap = parseTablespaceMap(text);
    } catch (err) {
      throw new ManagerError('USAGE', `--tablespacemap: ${(err as Error).message}`);
    }
  }
  return out;
}
