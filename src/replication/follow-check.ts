// Whether a former primary can follow the new primary as it is, without pg_rewind: the check pg_rewind itself
// makes before "no rewind required" (src/bin/pg_rewind/pg_rewind.c: the divergence point from the source's
// timeline history against the end of the target's WAL), done here from facts that do not wait for the new
// primary's first checkpoint. pg_rewind of PostgreSQL 15 reads the source's timeline from its pg_control, which
// shows the new timeline only after the end-of-recovery checkpoint: a switchover otherwise waits for that
// checkpoint and then for a pg_rewind run that changes nothing. Patroni makes the same check
// (patroni/postgresql/rewind.py, _check_timeline_and_lsn). Pure: test/unit/replication/follow-check.test.ts.
import { parseLsn } from '../model/lsn.js';

/** pg_controldata of the stopped former primary. */
export interface LocalControl {
  state: string;
  systemId: string;
  timeline: number;
  /** "Latest checkpoint location": after a clean stop, the start of its shutdown checkpoint, its last record. */
  checkpoint: string;
}

/** IDENTIFY_SYSTEM and TIMELINE_HISTORY of the server to follow. */
export interface SourceTimeline {
  systemId: string;
  timeline: number;
  /** The content of its current timeline's history file (none on timeline 1). */
  history: string | undefined;
}

/** One line of a timeline history file: `parentTLI <tab> switchpoint <tab> reason`. */
export interface HistoryEntry {
  parent: number;
  switchpoint: bigint;
}

/** The entries of a history file (xlog.c writeTimeLineHistory); comments and blank lines skipped. */
export function parseTimelineHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    const switchpoint = parseLsn(fields[1]);
    if (!/^\d+$/.test(fields[0]) || switchpoint === undefined) throw new Error(`not a timeline history line: ${JSON.stringify(line)}`);
    out.push({ parent: Number(fields[0]), switchpoint });
  }
  return out;
}

/**
 * Undefined when this PGDATA can start as a standby of the source with nothing to undo; else why not (then
 * pg_rewind decides). It can when it stopped cleanly (its last record is the shutdown checkpoint) and the
 * source's history leaves this timeline after that checkpoint: the source replayed all of it.
 */
export function whyRewind(local: LocalControl, source: SourceTimeline): string | undefined {
  if (local.state !== 'shut down') return `the former primary did not stop cleanly (${local.state})`;
  if (local.systemId !== source.systemId) return `another database system (${source.systemId}, this one ${local.systemId})`;
  if (source.timeline <= local.timeline) return `the source is on timeline ${source.timeline}, not after this one's ${local.timeline}`;
  const checkpoint = parseLsn(local.checkpoint);
  if (checkpoint === undefined) return `latest checkpoint location ${JSON.stringify(local.checkpoint)} is not an LSN`;
  const entry = parseTimelineHistory(source.history ?? '').find((e) => e.parent === local.timeline);
  if (entry === undefined) return `timeline ${local.timeline} is not in the source's history`;
  if (checkpoint >= entry.switchpoint) return `this timeline went on past the source's switch point (${local.checkpoint})`;
  return undefined;
}

/** The LocalControl facts from parsed pg_controldata, or undefined when a field is missing. */
export function localControl(fields: Record<string, string>): LocalControl | undefined {
  const state = fields['Database cluster state'];
  const systemId = fields['Database system identifier'];
  const timeline = fields["Latest checkpoint's TimeLineID"];
  const checkpoint = fields['Latest checkpoint location'];
  if (state === undefined || systemId === undefined || timeline === undefined || checkpoint === undefined || !/^\d+$/.test(timeline)) return undefined;
  return { state, systemId, timeline: Number(timeline), checkpoint };
}
