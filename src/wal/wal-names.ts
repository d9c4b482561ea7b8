// WAL file names and where barman-cloud keeps them: `<path>/<server>/wals/<hash dir>/<name>[.gz|.bz2]`, with
// the hash dir the first 16 hex digits (timeline + log) of a segment-derived name and "" for a .history file
// (barman/xlog.py hash_dir and decode_segment_name; barman/clients/cloud_walarchive.py upload_wal). Segment
// arithmetic takes the segment size from pg_control, never 16 MB (PostgreSQL xlog_internal.h XLogFromFileName).

const SEGMENT = /^[0-9A-F]{24}$/;
// eslint-disable-next-line security/detect-unsafe-regex -- anchored, fixed-width groups: linear
const ANY_WAL = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.[0-9A-F]{8}\.backup|\.partial)?$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;

/** A plain WAL segment name (24 hex digits). */
export function isSegmentName(name: string): boolean {
  return SEGMENT.test(name);
}

/** Any name PostgreSQL archives or restores: segment, .partial, .backup or .history. */
export function isWalFileName(name: string): boolean {
  return ANY_WAL.test(name) || HISTORY.test(name);
}

/** The timeline of a `NNNNNNNN.history` name, else undefined. */
export function historyTimeline(name: string): number | undefined {
  const m = HISTORY.exec(name);
  return m?.[1] === undefined ? undefined : parseInt(m[1], 16);
}

/** barman's hash dir: timeline + log of a segment-derived name, "" for a .history file. */
export function hashDir(name: string): string {
  const m = ANY_WAL.exec(name);
  return m ? `${m[1]}${m[2]}` : '';
}

/** The object key of a WAL file under a store prefix and server name. */
export function walObjectKey(prefix: string, serverName: string, name: string, compression: 'gzip' | 'bzip2' | undefined): string {
  const suffix = compression === 'gzip' ? '.gz' : compression === 'bzip2' ? '.bz2' : '';
  const dir = hashDir(name);
  return [prefix, serverName, 'wals', ...(dir === '' ? [] : [dir]), `${name}${suffix}`].filter((p) => p !== '').join('/');
}

/** The `count` segment names after `name` on its timeline, for a segment size in bytes. */
export function nextSegments(name: string, count: number, segmentBytes: number): string[] {
  const m = SEGMENT.exec(name) ? ANY_WAL.exec(name) : null;
  if (!m?.[1] || !m[2] || !m[3]) return [];
  const perLog = Math.floor(0x100000000 / segmentBytes);
  let log = parseInt(m[2], 16);
  let seg = parseInt(m[3], 16);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    seg += 1;
    if (seg >= perLog) {
      seg = 0;
      log += 1;
    }
    out.push(`${m[1]}${hex8(log)}${hex8(seg)}`);
  }
  return out;
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}
