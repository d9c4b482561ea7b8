// `local-cluster status`: one line per instance (instance, role, timeline, LSN, lag, ready), from /pg/status.
import { lsnValue, type InstanceReport } from './operator-rules.js';

/** The table's text. Lag is the bytes between the primary's current LSN and the replica's replay LSN. */
export function statusTable(reports: readonly InstanceReport[], status: Record<string, unknown>): string {
  const primary = reports.find((r) => r.reachable && r.isPrimary === true);
  const rows = reports.map((r) => {
    if (!r.reachable) return [r.name, 'unreachable', '-', '-', '-', 'no'];
    const lsn = r.isPrimary ? (r.currentLsn ?? '-') : (r.replayLsn ?? '-');
    const lag = r.isPrimary || !primary?.currentLsn || !r.replayLsn ? '-' : String(lsnValue(primary.currentLsn) - lsnValue(r.replayLsn));
    const role = r.isPrimary ? 'primary' : r.isWalReceiverActive ? 'replica (streaming)' : 'replica';
    return [r.name, role, r.timeLineID === undefined ? '-' : String(r.timeLineID), lsn, lag, r.isPodReady ? 'yes' : 'no'];
  });
  const header = ['INSTANCE', 'ROLE', 'TIMELINE', 'LSN', 'LAG (bytes)', 'READY'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row.at(c) ?? '').length)));
  const lines = all.map((row) => row.map((cell, c) => cell.padEnd(widths.at(c) ?? 0)).join('  ').trimEnd());
  const target = typeof status.targetPrimary === 'string' ? status.targetPrimary : '-';
  const current = typeof status.currentPrimary === 'string' ? status.currentPrimary : '-';
  return `${lines.join('\n')}\n\ncurrentPrimary ${current}, targetPrimary ${target}${typeof status.phase === 'string' ? `, phase ${status.phase}` : ''}\n`;
}
