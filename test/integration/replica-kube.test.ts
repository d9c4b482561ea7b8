// Three managers of one Cluster in Kubernetes mode, the test playing the operator (status.instanceNames,
// targetPrimary, the `-rw` Service) and the kubelet (restarting a manager that ended): -2 and -3 join with
// `instance join` and stream; a switchover to -2 keeps every row, hands the primary Lease over and makes the
// old primary, demoted in place (its manager does not end), stream from the new one; a primary cut off from the API server fences itself before the
// instance the operator failed over to may take the Lease, so there are never two writable primaries; a primary
// that finds another identity in the Lease fences itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../../src/config/constants.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { typeOf, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import type { LogLine } from '../helpers/manager.js';
import { kubeTrio, leaseOf, runNode, setStatus, sql, statusOf, stopTrio, type KubeTrio, type TrioNode } from '../helpers/kube-trio.js';

let t: KubeTrio;
let n1: TrioNode;
let n2: TrioNode;
let n3: TrioNode;

const ready = (m: KubeManager): Promise<LogLine> => m.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
const count = async (node: TrioNode): Promise<number> => Number((await sql<{ n: string }>(t, node, 'SELECT count(*) AS n FROM t').catch(() => [{ n: '-1' }]))[0]?.n);

// The replicas are in recovery and the rows written on `primary` arrive: no WAL archive is configured, so
// they came by streaming (pg_stat_replication's details are hidden from the app owner).
async function streaming(primary: TrioNode, replicas: TrioNode[], rows: number): Promise<void> {
  for (const r of replicas) {
    const [row] = await sql<{ standby: boolean }>(t, r, 'SELECT pg_is_in_recovery() AS standby');
    assert.equal(row?.standby, true, `${r.name} is a standby`);
  }
  assert.equal((await sql<{ standby: boolean }>(t, primary, 'SELECT pg_is_in_recovery() AS standby'))[0]?.standby, false, `${primary.name} is writable`);
  await rowsEverywhere(replicas, rows);
}

async function rowsEverywhere(nodes: TrioNode[], n: number): Promise<void> {
  for (const node of nodes) await waitUntil(async () => ((await count(node)) === n ? true : undefined), 30_000, `${n} rows on ${node.name}`);
}

before(async () => {
  t = await kubeTrio();
  [n1, n2, n3] = t.nodes as [TrioNode, TrioNode, TrioNode];
  const init = await runNode(t, n1, 'init');
  assert.equal(await init.exited, 0, init.stderr());
  await ready(await runNode(t, n1, 'run'));
  await sql(t, n1, 'CREATE TABLE t (id int PRIMARY KEY)');
});

after(async () => {
  await stopTrio(t);
});

test('the primary holds the Lease; -2 and -3 join with `instance join` and stream from it', async () => {
  await waitUntil(() => (leaseOf(t.f)?.holderIdentity === n1.name ? true : undefined), 10_000, 'the Lease held by -1');
  const lease = leaseOf(t.f) ?? {};
  assert.equal(lease.leaseDurationSeconds, 15);
  assert.match(String(lease.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const joins = await Promise.all([runNode(t, n2, 'join'), runNode(t, n3, 'join')]);
  for (const j of joins) assert.equal(await j.exited, 0, j.stderr());
  await Promise.all([ready(await runNode(t, n2, 'run')), ready(await runNode(t, n3, 'run'))]);
  await sql(t, n1, 'INSERT INTO t SELECT generate_series(1, 100)');
  await streaming(n1, [n2, n3], 100);
  assert.equal(statusOf(t.f).currentPrimary, n1.name);
  assert.deepEqual(t.f.server.forbidden(), [], 'the printed Role allows every call of the three managers');
});

test('a switchover to -2: the rows are kept, the Lease and currentPrimary move, the old primary streams from -2', async () => {
  const m1 = n1.m as KubeManager;
  const mark = m1.lines.length;
  setStatus(t.f, { targetPrimary: n2.name });
  await waitUntil(() => (statusOf(t.f).currentPrimary === n2.name ? true : undefined), 60_000, 'currentPrimary -2');
  // The operator moves the -rw Service to the new primary (the old one rewinds from it).
  t.rw.setTarget(n2.port, true);
  assert.equal(leaseOf(t.f)?.holderIdentity, n2.name);
  assert.ok(Number(leaseOf(t.f)?.leaseTransitions) >= 1);
  // Demoted in place: the same manager process stops postgres, releases the Lease and starts it as a replica.
  await m1.waitForLine((l) => l.msg === 'instance ready' && m1.lines.indexOf(l) >= mark, 90_000, '-1 ready again, as a replica');
  assert.equal(m1.proc.exitCode, null, 'the manager of the old primary did not end');
  const released = m1.lines.findIndex((l) => l.msg === 'primary Lease c1 released');
  const stopped = m1.lines.findIndex((l, i) => i >= mark && l.msg === 'postmaster stopped');
  assert.ok(stopped >= 0 && released > stopped, 'the old primary released the Lease after its stop');
  assert.equal(await count(n2), 100, 'the rows written before are on the new primary');
  await sql(t, n2, 'INSERT INTO t SELECT generate_series(101, 150)');
  await streaming(n2, [n1, n3], 150);
  const events = t.f.server.store.list({ group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, status: false, verbs: [] }, t.f.namespace);
  assert.ok(events.some((e) => e.reason === 'Promoted'), 'a Promoted event');
  const conditions = (statusOf(t.f).conditions ?? []) as { type: string; status: string; message: string }[];
  assert.deepEqual(conditions.filter((c) => c.type === 'PrimaryLease').map((c) => [c.status, c.message]), [['True', `held by ${n2.name}`]]);
});

test('a primary cut off from the API fences itself before -3, the new target, may take the Lease', async () => {
  const m2 = n2.m as KubeManager;
  n2.api.cut();
  // Two believe they are primary: -2 (it cannot see the change) and -3 (the operator's target).
  setStatus(t.f, { targetPrimary: n3.name });
  const fenced = await m2.waitForLine((l) => typeof l.msg === 'string' && l.msg.includes('fencing this primary'), 30_000, 'the fence');
  assert.match(String(fenced.msg), /could not be renewed/);
  assert.notEqual(await m2.exited, 0);
  const m3 = n3.m as KubeManager;
  const acquired = await m3.waitForLine((l) => l.msg === 'primary Lease c1 acquired', 40_000, '-3 takes the Lease');
  await m3.waitForLine((l) => l.msg === 'promoted: this instance is the primary', 40_000, '-3 promoted');
  const stopped = m2.lines.find((l) => l.msg === 'postmaster stopped' || l.msg === 'postgres stopped');
  assert.ok(Date.parse(String(fenced.ts)) < Date.parse(String(acquired.ts)), 'fenced before the Lease changed hands');
  if (stopped) assert.ok(Date.parse(String(stopped.ts)) < Date.parse(String(acquired.ts)), 'postgres of -2 stopped before -3 held the Lease');
  await waitUntil(() => (statusOf(t.f).currentPrimary === n3.name ? true : undefined), 30_000, 'currentPrimary -3');
  assert.equal(leaseOf(t.f)?.holderIdentity, n3.name);
  assert.equal(await count(n3), 150);
  // Back on the network, restarted by the kubelet: -2 does not come back as primary but as -3's replica.
  t.rw.setTarget(n3.port, true);
  n2.api.restore();
  await ready(await runNode(t, n2, 'run'));
  await sql(t, n3, 'INSERT INTO t SELECT generate_series(151, 160)');
  await streaming(n3, [n1, n2], 160);
});

test('a primary that finds another identity in the Lease fences itself at its next renewal', async () => {
  const m3 = n3.m as KubeManager;
  // As if -1 had taken it: a write with the current resourceVersion, so -3's next renewal gets 409 and reads it.
  const current = t.f.server.store.list(typeOf('leases'), t.f.namespace, t.f.clusterName)[0] ?? {};
  t.f.server.store.write(typeOf('leases'), t.f.namespace, t.f.clusterName, '', () => ({ ...current, spec: { ...(current.spec as object), holderIdentity: n1.name } }));
  const fenced = await m3.waitForLine((l) => typeof l.msg === 'string' && l.msg.includes('fencing this primary'), 10_000, 'the fence');
  assert.ok(String(fenced.msg).startsWith(`the primary Lease c1 is held by ${n1.name}: fencing this primary`), String(fenced.msg));
  assert.equal(await m3.exited, EXIT.parts.role);
  assert.equal(leaseOf(t.f)?.holderIdentity, n1.name, 'a lost Lease is not released');
  await assert.rejects(sql(t, n3, 'SELECT 1'), 'postgres of -3 is down');
});
