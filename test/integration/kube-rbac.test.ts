// The Role printed by `rbac` is sufficient (every call of init, run, a spec change and the Backup status
// helper is allowed, the primary Lease created and renewed) and minimal (without any one of its rules some call
// is refused with a 403 that names it); another cluster's Secret and status are out of reach. Real postgres, real manager, test API server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { createKubeApi } from '../../src/kube/kube-client.js';
import { KubeApiError, type PolicyRule } from '../../src/kube/kube-api.js';
import { patchBackupStatus } from '../../src/kube/backup-status.js';
import { inClusterSettings } from '../../src/kube/service-account.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { processesMentioning } from '../helpers/manager.js';

let f: KubeFixture;
let workMem = 4096;

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function api(fx: KubeFixture): ReturnType<typeof createKubeApi> {
  const settings = inClusterSettings({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fx.server.port) }, fx.saDir);
  return createKubeApi(settings, { requestTimeoutMs: 3000 });
}

function roleRules(fx: KubeFixture): PolicyRule[] {
  const role = parseAllDocuments(fx.rbacYaml).map((d) => d.toJS() as { kind: string; rules?: PolicyRule[] }).find((d) => d.kind === 'Role');
  return role?.rules ?? [];
}

/**
 * Start, reach ready, change a parameter through the API, use the Backup status helper; best effort per step.
 * `enough` (the 403 a minimality case waits for) ends the wait for ready early: without a Lease rule the manager
 * retries the refused call ~20 s before it gives up, which the case does not assert.
 */
async function scenario(fx: KubeFixture, stopWhen: () => boolean, enough?: () => boolean): Promise<KubeManager> {
  const m = await runKubeManager(fx, 'run', ['--kube-startup-timeout', '2']);
  let settled = false;
  const waits = [m.waitForLine((l) => l.msg === 'instance ready', 40_000, 'instance ready').then(() => true, () => false)];
  if (enough) waits.push(until(() => settled || enough(), 40_000, 'a refusal').then(() => false, () => false));
  const ready = await Promise.race(waits);
  settled = true;
  if (ready && !stopWhen()) {
    workMem += 64;
    fx.server.store.patch(typeOf('clusters'), fx.namespace, fx.clusterName, '', 'application/merge-patch+json', { spec: { postgresql: { parameters: { work_mem: `${workMem}kB` } } } });
    await m.waitForLine((l) => l.msg === 'configuration reloaded' && lineAfter(m, l), 15_000, 'reload').catch(() => undefined);
  }
  const client = await api(fx);
  await patchBackupStatus(client, 'b1', { phase: 'running', startedAt: new Date().toISOString() }).catch(() => undefined);
  // After the Backup status call, which is the only caller of two of the rules (no 3 s wait for their 403).
  if (ready) await until(stopWhen, 3000, 'event').catch(() => undefined);
  return m;
}

function lineAfter(m: KubeManager, l: Record<string, unknown>): boolean {
  return m.lines.indexOf(l) >= 0;
}

before(async () => {
  f = await kubeFixture({ specYaml: 'postgresql:\n  parameters:\n    work_mem: 4MB' });
  f.server.store.create(typeOf('backups'), f.namespace, { metadata: { name: 'b1' }, spec: { cluster: { name: f.clusterName } } });
  // A declarative Database, so its list/watch and status patch are exercised too.
  f.server.store.create(typeOf('databases'), f.namespace, { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'd1' }, spec: { cluster: { name: f.clusterName }, name: 'd1', owner: 'app' } });
  const init = await runKubeManager(f, 'init');
  assert.equal(await init.exited, 0, `instance init failed: ${init.stderr()}`);
});

after(async () => {
  for (const pid of processesMentioning(f.dir)) process.kill(pid, 'SIGKILL');
  await f.server.stop();
  rmSync(f.dir, { recursive: true, force: true });
});

describe('the Role printed by rbac', () => {
  it('is sufficient: init, run, status patch, spec change, events, Backup and Database status are all allowed', async () => {
    const events = (): number => f.server.audit.filter((a) => a.resource === 'events' && a.code === 201).length;
    const m = await scenario(f, () => events() > 0);
    try {
      await until(() => f.server.audit.some((a) => a.resource === 'clusters/status' && a.code === 200), 10_000, 'status patch');
      await until(() => f.server.audit.some((a) => a.resource === 'databases/status' && a.code === 200), 10_000, 'Database status patch');
      const status = f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as Record<string, unknown>;
      assert.equal(status.currentPrimary, `${f.clusterName}-1`);
      assert.equal(status.phase, 'Cluster in healthy state');
      assert.ok(events() > 0, 'a ConfigurationReloaded event was created');
      // The primary Lease: created by name (create has no resourceNames), then read and renewed by name.
      const lease = f.server.store.get(typeOf('leases'), f.namespace, f.clusterName).spec as Record<string, unknown>;
      assert.equal(lease.holderIdentity, `${f.clusterName}-1`);
      await until(() => f.server.audit.some((a) => a.resource === 'leases' && a.verb === 'update' && a.name === f.clusterName && a.code === 200), 10_000, 'a Lease renewal');
      const backup = f.server.store.get(typeOf('backups'), f.namespace, 'b1').status as Record<string, unknown>;
      assert.equal(backup.phase, 'running');
      const refused = f.server.forbidden().filter((a) => a.user.endsWith(`:${f.clusterName}`));
      assert.deepEqual(refused, [], 'no call was refused');
      // Every rule was used by some call: the basis of the minimality cases below.
      for (const rule of roleRules(f)) {
        assert.ok(
          f.server.audit.some((a) => a.code < 400 && rule.resources.includes(a.resource) && rule.verbs.includes(a.verb)),
          `rule ${JSON.stringify(rule)} was used`,
        );
      }
    } finally {
      await m.stop();
    }
  });

  it('is minimal: without any one rule a call is refused with a 403 naming it', async () => {
    const rules = roleRules(f);
    assert.ok(rules.length >= 5, 'the Role has its rules');
    for (const [i, rule] of rules.entries()) {
      f.server.rbac.setRoleRules(f.namespace, f.clusterName, rules.filter((_, j) => j !== i));
      // As for a new Cluster's first primary: no Lease yet, so its create is needed too.
      if (f.server.store.list(typeOf('leases'), f.namespace, f.clusterName).length > 0) f.server.store.delete(typeOf('leases'), f.namespace, f.clusterName);
      const start = f.server.audit.length;
      const refused = (): boolean => f.server.audit.slice(start).some((a) => a.code === 403 && rule.resources.includes(a.resource));
      const m = await scenario(f, refused, refused);
      try {
        await until(refused, 15_000, `a 403 for ${rule.resources.join(',')}`).catch((err: unknown) => {
          const tail = m.lines.filter((l) => l.logger !== 'postgres').slice(-15).map((l) => JSON.stringify(l).slice(0, 300));
          throw new Error(`${String(err)}\nmanager log:\n${tail.join('\n')}\nstderr: ${m.stderr()}`);
        });
        const entry = f.server.audit.slice(start).find((a) => a.code === 403 && rule.resources.includes(a.resource));
        assert.ok((entry?.message ?? '').includes(`cannot ${entry?.verb ?? ''} resource "${entry?.resource ?? ''}"`), entry?.message);
        if (rule.resources.includes('clusters')) {
          // The start-up gate names the missing permission and exits 1.
          assert.equal(await m.exited, 1);
          assert.match(m.stderr(), /needs "get" on "clusters" in API group "postgresql.cnpg.io"/);
        }
      } finally {
        await m.stop();
        f.server.rbac.setRoleRules(f.namespace, f.clusterName, rules);
      }
    }
  });

  it("refuses another cluster's Secret and status, and the error names the call", async () => {
    const other = await kubeFixture({ clusterName: 'c2', server: f.server });
    try {
      const client = await api(f);
      await assert.rejects(client.getSecret('c2-app'), (err: unknown) => {
        assert.ok(err instanceof KubeApiError && err.status === 403);
        assert.match(err.message, /get secrets "c2-app".*HTTP 403.*secrets "c2-app" is forbidden: User "system:serviceaccount:ns1:c1" cannot get resource "secrets"/);
        return true;
      });
      await assert.rejects(client.patchClusterStatus('c2', { status: { phase: 'hijacked' } }), (err: unknown) => {
        assert.ok(err instanceof KubeApiError && err.status === 403);
        assert.match(err.message, /cannot patch resource "clusters\/status" in API group "postgresql.cnpg.io" in the namespace "ns1"/);
        return true;
      });
      const status = f.server.store.get(typeOf('clusters'), f.namespace, 'c2').status as Record<string, unknown> | undefined;
      assert.notEqual(status?.phase, 'hijacked');
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
