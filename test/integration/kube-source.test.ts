// The Kubernetes source end to end: a spec change through the API (a parameter, a pg_hba line) is
// applied with a reload within 2 s and reported; the watch survives a compacted resourceVersion (410),
// token rotation with the old token revoked, and the API server going away and coming back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { processesMentioning } from '../helpers/manager.js';

let f: KubeFixture;
let m: KubeManager;

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

function patchSpec(spec: Record<string, unknown>): void {
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, '', 'application/merge-patch+json', { spec });
}

function reloads(): number {
  return m.lines.filter((l) => l.msg === 'configuration reloaded').length;
}

async function show(setting: string): Promise<string> {
  const secret = f.readSecret(`${f.clusterName}-app`);
  const ca = f.readSecret(`${f.clusterName}-ca`);
  const client = new pg.Client({
    host: '127.0.0.1',
    port: m.port,
    user: secret?.data.username?.toString() ?? 'app',
    password: secret?.data.password?.toString() ?? '',
    database: 'app',
    ssl: { ca: ca?.data['ca.crt']?.toString() ?? '', servername: 'localhost' },
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const res = await client.query<{ v: string }>(`SELECT current_setting($1) AS v`, [setting]);
    return res.rows[0]?.v ?? '';
  } finally {
    await client.end();
  }
}

function events(reason: string): number {
  return f.server.store.list(typeOf('events'), f.namespace).filter((e) => e.reason === reason).length;
}

before(async () => {
  f = await kubeFixture();
  const init = await runKubeManager(f, 'init');
  assert.equal(await init.exited, 0, init.stderr());
  m = await runKubeManager(f, 'run');
  await m.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  await until(() => (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phase?: string } | undefined)?.phase !== undefined, 10_000, 'status');
});

after(async () => {
  await m?.stop();
  for (const pid of processesMentioning(f.dir)) process.kill(pid, 'SIGKILL');
  await f.server.stop();
  rmSync(f.dir, { recursive: true, force: true });
});

describe('kube source', () => {
  it('applies a parameter and a pg_hba line changed through the API with a reload within 2 s', async () => {
    const before = reloads();
    const started = Date.now();
    patchSpec({ postgresql: { parameters: { work_mem: '7MB' }, pg_hba: ['host all all 10.99.0.0/16 scram-sha-256'] } });
    await until(() => reloads() > before, 2000, 'configuration reloaded within 2 s');
    assert.ok(Date.now() - started <= 2000);
    assert.equal(await show('work_mem'), '7MB');
    assert.match(readFileSync(join(f.dir, 'pgdata', 'pg_hba.conf'), 'utf8'), /^host all all 10\.99\.0\.0\/16 scram-sha-256$/m);
    await until(() => events('ConfigurationReloaded') > 0, 5000, 'a ConfigurationReloaded event');
    const status = f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as Record<string, unknown>;
    assert.equal(status.phase, 'Cluster in healthy state');
    assert.equal(status.currentPrimary, `${f.clusterName}-1`);
  });

  it('reports a restart-only parameter in status.phase', async () => {
    patchSpec({ postgresql: { parameters: { work_mem: '7MB', max_connections: '120' } } });
    await until(() => (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phaseReason?: string }).phaseReason?.includes('max_connections') === true, 5000, 'phaseReason naming max_connections');
    assert.equal((f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phase: string }).phase, 'Applying configuration');
    patchSpec({ postgresql: { parameters: { work_mem: '7MB', max_connections: null } } });
  });

  it('re-lists after 410 Gone and keeps following the Cluster', async () => {
    f.server.store.compact();
    f.server.dropConnections();
    await sleep(100);
    const before = reloads();
    patchSpec({ postgresql: { parameters: { work_mem: '9MB' } } });
    await until(() => reloads() > before, 10_000, 'reload after the re-list');
    assert.equal(await show('work_mem'), '9MB');
    assert.ok(m.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('410')), 'the 410 re-list was logged');
  });

  it('keeps working when the token is rotated and the old one revoked', async () => {
    const since = f.server.audit.length;
    f.rotateToken();
    const before = reloads();
    patchSpec({ postgresql: { parameters: { work_mem: '11MB' } } });
    await until(() => reloads() > before, 10_000, 'reload after token rotation');
    assert.equal(await show('work_mem'), '11MB');
    await until(() => f.server.audit.slice(since).some((a) => a.resource === 'secrets' && a.code === 200), 10_000, 'a call with the new token');
    assert.deepEqual(f.server.audit.slice(since).filter((a) => a.code === 401), []);
  });

  it('survives the API server going away: postgres keeps running and status converges when it returns', async () => {
    const pid = m.lines.filter((l) => l.msg === 'postmaster started').length;
    await f.server.stop();
    // While it is down: the operator's view changes (a parameter) and our status is wiped.
    patchSpec({ postgresql: { parameters: { work_mem: '13MB' } } });
    f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, 'status', 'application/merge-patch+json', { status: { phase: null, currentPrimary: null } });
    await sleep(6000);
    assert.equal(m.proc.exitCode, null, 'the manager is still running');
    await f.server.start();
    const back = Date.now();
    await until(() => (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { currentPrimary?: string }).currentPrimary === `${f.clusterName}-1`, 10_000, 'status converged');
    assert.ok(Date.now() - back < 10_000);
    await until(() => m.lines.some((l) => l.msg === 'configuration reloaded'), 10_000, 'reload');
    assert.equal(await show('work_mem'), '13MB');
    assert.equal(m.lines.filter((l) => l.msg === 'postmaster started').length, pid, 'no postmaster restart');
  });
});
