// `instance restoresnapshot`'s input, refused before anything is written: the operator's --backuplabel and
// --tablespacemap (base64 of the VolumeSnapshot annotations) decoded strictly and checked to be what they claim,
// and a PGDATA volume that lacks what a snapshot of PGDATA holds named with what is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgv } from '../../../src/config/flags.js';
import { buildConfig } from '../../../src/config/config.js';
import { instanceRestoreSnapshot } from '../../../src/commands/instance-restoresnapshot.js';
import { ManagerError } from '../../../src/errors.js';
import { decodeBase64Flag, decodeSnapshotFlags } from '../../../src/bootstrap/snapshot-label.js';
import { checkRestoredPgData, runRestoreSnapshotStep, type RestoreSnapshotOptions } from '../../../src/bootstrap/restoresnapshot-step.js';
import type { Cluster } from '../../../src/spec/cluster.js';
import { captureLogger } from '../log/capture-logger.js';

const LABEL = 'START WAL LOCATION: 0/5000028 (file 000000010000000000000005)\nCHECKPOINT LOCATION: 0/5000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-07 18:00:00 UTC\nLABEL: snap\nSTART TIMELINE: 1\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const usage = (pattern: RegExp) => (err: unknown): boolean => err instanceof ManagerError && err.code === 'USAGE' && pattern.test(err.message);

test('the operator\'s argv parses: instance restoresnapshot --backuplabel=... --tablespacemap=...', () => {
  const parsed = parseArgv(['instance', 'restoresnapshot', `--backuplabel=${b64(LABEL)}`, `--tablespacemap=${b64('16385 /x/tbs/data\n')}`, '--pg-wal', '/var/lib/postgresql/wal/pg_wal']);
  assert.equal(parsed.command, 'instance restoresnapshot');
  assert.equal(parsed.flags.backuplabel, b64(LABEL));
  assert.equal(parsed.flags.tablespacemap, b64('16385 /x/tbs/data\n'));
});

test('an online snapshot\'s label and map decode; none (a cold snapshot) or empty values mean none', () => {
  const out = decodeSnapshotFlags({ backuplabel: b64(LABEL), tablespacemap: b64('16385 /var/lib/postgresql/tablespaces/tbs_a/data\n') });
  assert.equal(out.backupLabel?.toString(), LABEL);
  assert.deepEqual(out.tablespaceMap, [{ oid: '16385', path: '/var/lib/postgresql/tablespaces/tbs_a/data' }]);
  assert.deepEqual(decodeSnapshotFlags({}), {});
  assert.deepEqual(decodeSnapshotFlags({ backuplabel: '', tablespacemap: '' }), {});
  // Go's StdEncoding skips line breaks; so does this.
  assert.equal(decodeBase64Flag('backuplabel', `${b64(LABEL).slice(0, 20)}\n${b64(LABEL).slice(20)}`).toString(), LABEL);
});

test('bad base64 is a usage error naming the flag', () => {
  assert.throws(() => decodeSnapshotFlags({ backuplabel: 'not base64!' }), usage(/^--backuplabel: not base64/));
  assert.throws(() => decodeSnapshotFlags({ backuplabel: b64(LABEL).slice(0, -1) }), usage(/^--backuplabel: not base64/), 'truncated');
  assert.throws(() => decodeBase64Flag('backuplabel', 'QR=='), usage(/non-canonical/), 'bits past the last byte');
  assert.throws(() => decodeSnapshotFlags({ backuplabel: b64(LABEL), tablespacemap: '%%%%' }), usage(/^--tablespacemap: not base64/));
});

test('a backup_label that is not one, or a tablespace_map without a label or with a bad line, is refused', () => {
  assert.throws(() => decodeSnapshotFlags({ backuplabel: b64('hello world\n') }), usage(/^--backuplabel: the decoded text is not a backup_label \(no valid START WAL LOCATION or CHECKPOINT LOCATION line; it starts "hello world"\)/));
  assert.throws(() => decodeSnapshotFlags({ backuplabel: b64(LABEL.replace(/CHECKPOINT.*\n/, '')) }), usage(/no valid CHECKPOINT LOCATION line/));
  assert.throws(() => decodeSnapshotFlags({ tablespacemap: b64('16385 /t\n') }), usage(/^--tablespacemap without --backuplabel/));
  assert.throws(() => decodeSnapshotFlags({ backuplabel: b64(LABEL), tablespacemap: b64('tbs /t\n') }), usage(/^--tablespacemap: tablespace_map line is not "<oid> <path>": "tbs \/t"/));
});

function fakePgData(dir: string, omit: string[] = []): string {
  const pgData = join(dir, 'pgdata');
  mkdirSync(join(pgData, 'global'), { recursive: true });
  mkdirSync(join(pgData, 'pg_wal'));
  writeFileSync(join(pgData, 'PG_VERSION'), '15\n');
  writeFileSync(join(pgData, 'global', 'pg_control'), 'x');
  for (const f of omit) rmSync(join(pgData, f), { recursive: true });
  return pgData;
}

test('a PGDATA volume without PG_VERSION, pg_control or pg_wal, or with another bootstrap\'s marker, is named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-rs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pgdata = (err: unknown, re: RegExp): boolean => err instanceof ManagerError && err.code === 'PGDATA' && re.test(err.message);
  await assert.rejects(checkRestoredPgData(join(dir, 'none')), (e) => pgdata(e, /PGDATA .*none does not exist: the PVC was not made from the VolumeSnapshot/));
  for (const [omit, re] of [['PG_VERSION', /holds no PG_VERSION/], [join('global', 'pg_control'), /holds no global\/pg_control/], ['pg_wal', /pg_wal is missing \(or links to a missing WAL volume\)/]] as const) {
    const sub = join(dir, omit.replace('/', '-'));
    mkdirSync(sub);
    await assert.rejects(checkRestoredPgData(fakePgData(sub, [omit])), (e) => pgdata(e, re), omit);
  }
  mkdirSync(join(dir, 'ok'));
  const ok = fakePgData(join(dir, 'ok'));
  await checkRestoredPgData(ok);
  writeFileSync(join(ok, 'pgim.bootstrap-pending'), 'phase=initdb\n');
  await assert.rejects(checkRestoredPgData(ok), (e) => pgdata(e, /unfinished bootstrap of another kind \(phase initdb\)/));
  writeFileSync(join(ok, 'pgim.bootstrap-pending'), 'phase=snapshot\n');
  await checkRestoredPgData(ok);
});

test('a tablespace whose volume is missing is refused with PGDATA untouched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-rs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pgData = fakePgData(dir);
  writeFileSync(join(pgData, 'postmaster.pid'), '1\n');
  const before = readdirSync(pgData).sort();
  const cluster = { name: 'c1', spec: { bootstrap: { recovery: { source: 'origin' } } } } as unknown as Cluster;
  const o = { pgData, cluster, root: captureLogger().root, tablespacesDir: join(dir, 'tablespaces'), labels: decodeSnapshotFlags({ backuplabel: b64(LABEL), tablespacemap: b64('16385 /var/lib/postgresql/tablespaces/tbs_a/data\n') }) } as unknown as RestoreSnapshotOptions;
  await assert.rejects(runRestoreSnapshotStep(o, new AbortController().signal), (e) => e instanceof ManagerError && /^--tablespacemap names tablespace tbs_a \(oid 16385, at \/var\/lib\/postgresql\/tablespaces\/tbs_a\/data in the origin\), but its volume .*tablespaces\/tbs_a\/data is missing/.test(e.message));
  assert.deepEqual(readdirSync(pgData).sort(), before, 'nothing written, nothing removed');
});

test('--immediate (a replica from snapshots) is refused as not built, before anything is loaded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-rs-'));
  try {
    const config = buildConfig('instance restoresnapshot', { 'cluster-manifest': join(dir, 'absent.yaml'), 'state-dir': dir }, {}, dir);
    await assert.rejects(instanceRestoreSnapshot(config, { immediate: true }, captureLogger().root), (e) => e instanceof ManagerError && e.code === 'NOT_IMPLEMENTED' && /--immediate \(a replica from volume snapshots\) is not built/.test(e.message));
    await assert.rejects(instanceRestoreSnapshot(config, { backuplabel: '***' }, captureLogger().root), usage(/^--backuplabel: not base64/));
    assert.deepEqual(readdirSync(dir), [], 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
