// When a former primary may follow the new primary without pg_rewind: only a clean stop whose shutdown
// checkpoint lies before the switch point the new primary's history gives for this timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localControl, parseTimelineHistory, whyRewind, type LocalControl, type SourceTimeline } from '../../../src/replication/follow-check.js';

const LOCAL: LocalControl = { state: 'shut down', systemId: '7400000000000000001', timeline: 1, checkpoint: '0/5000028' };
// PostgreSQL's history file after a promotion at the end of timeline 1 (switch point = end of the shutdown checkpoint).
const SOURCE: SourceTimeline = { systemId: LOCAL.systemId, timeline: 2, history: '1\t0/50000A0\tno recovery target specified\n' };

test('a clean switchover follows as it is; every other case is left to pg_rewind, with the reason', () => {
  assert.equal(whyRewind(LOCAL, SOURCE), undefined);
  const rows: [string, LocalControl, SourceTimeline, RegExp][] = [
    ['a crash (failover)', { ...LOCAL, state: 'in production' }, SOURCE, /did not stop cleanly \(in production\)/],
    ['another system', LOCAL, { ...SOURCE, systemId: '7400000000000000002' }, /another database system/],
    ['the source not promoted yet', LOCAL, { ...SOURCE, timeline: 1, history: undefined }, /timeline 1, not after this one's 1/],
    ['WAL written after the switch point', { ...LOCAL, checkpoint: '0/6000028' }, SOURCE, /went on past the source's switch point/],
    ['the checkpoint at the switch point itself', { ...LOCAL, checkpoint: '0/50000A0' }, SOURCE, /went on past/],
    ['a history that forks from another timeline', { ...LOCAL, timeline: 3 }, { ...SOURCE, timeline: 4, history: '1\t0/3000000\tx\n2\t0/4000000\tx\n' }, /timeline 3 is not in the source's history/],
  ];
  for (const [what, local, source, reason] of rows) assert.match(whyRewind(local, source) ?? 'follows', reason, what);
});

test('a later timeline follows when this one is an ancestor and ended before its switch point', () => {
  const source: SourceTimeline = { ...SOURCE, timeline: 3, history: '# comment\n\n1\t0/50000A0\tno recovery target specified\n2\t0/7000000\tbefore 2026\n' };
  assert.equal(whyRewind(LOCAL, source), undefined);
  assert.equal(whyRewind({ ...LOCAL, timeline: 2, checkpoint: '0/6000000' }, source), undefined);
});

test('history lines and pg_controldata fields are read strictly', () => {
  assert.deepEqual(parseTimelineHistory('1\t0/50000A0\tno recovery target specified\n2\t1/0\tx'), [{ parent: 1, switchpoint: 0x50000a0n }, { parent: 2, switchpoint: 0x100000000n }]);
  assert.throws(() => parseTimelineHistory('one\t0/1\n'), /not a timeline history line/);
  assert.throws(() => parseTimelineHistory('1\t50000A0\n'), /not a timeline history line/);
  const fields = { 'Database cluster state': 'shut down', 'Database system identifier': '7400000000000000001', "Latest checkpoint's TimeLineID": '1', 'Latest checkpoint location': '0/5000028' };
  assert.deepEqual(localControl(fields), LOCAL);
  assert.equal(localControl({ ...fields, "Latest checkpoint's TimeLineID": 'x' }), undefined);
  assert.equal(localControl({ 'Database cluster state': 'shut down' }), undefined);
});
