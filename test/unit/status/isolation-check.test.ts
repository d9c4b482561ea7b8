// The liveness isolation check, branch by branch, with a fake API probe and a fake pinger over a real
// PGDATA directory (primary or standby on disk) and a real CA file.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../../src/spec/cluster.js';
import { IsolationChecker, hasApiProbe, reportedPeers, type ApiProbe } from '../../../src/status/isolation-check.js';
import type { PingOptions } from '../../../src/status/failsafe-ping.js';
import { captureLogger } from '../log/capture-logger.js';

const dir = mkdtempSync(join(tmpdir(), 'pgim-isolation-'));
const primaryData = join(dir, 'primary');
const replicaData = join(dir, 'replica');
const caFile = join(dir, 'server-ca.crt');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
after(() => rmSync(dir, { recursive: true, force: true }));

/** A PGDATA directory, with a signal file when given (standby.signal: a replica). */
function mk(path: string, signal?: string): string {
  mkdirSync(path, { recursive: true });
  if (signal) writeFileSync(join(path, signal), '');
  return path;
}

function cluster(opts: { instances?: number; enabled?: boolean; requestTimeout?: number; peers?: Record<string, string> } = {}): Cluster {
  const peers = opts.peers ?? { 'c1-1': '10.0.0.1', 'c1-2': '10.0.0.2', 'c1-3': '10.0.0.3' };
  return {
    name: 'c1',
    spec: { instances: opts.instances ?? 3, probes: { liveness: { isolationCheck: opts.enabled ?? true, requestTimeoutMs: opts.requestTimeout ?? 1000, connectionTimeoutMs: 1000 } } },
    status: { instancesReportedState: Object.fromEntries(Object.entries(peers).map(([n, ip]) => [n, { isPrimary: n === 'c1-1', timeLineID: 1, ip }])) },
  } as unknown as Cluster;
}

interface Fakes {
  api: ApiProbe & { probes: number[] };
  pinged: { ip: string; port: number; options: PingOptions }[];
}

function setup(o: { reachable: boolean; cached?: Cluster; down?: string[]; hang?: string[]; pgData?: string; caFile?: string }) {
  const fakes: Fakes = {
    api: { probes: [], probeApi: (ms) => (fakes.api.probes.push(ms), Promise.resolve(o.reachable)), cachedCluster: () => o.cached },
    pinged: [],
  };
  const log = captureLogger('info');
  const checker = new IsolationChecker({
    api: fakes.api,
    pgData: o.pgData ?? mk(primaryData),
    caFile: o.caFile ?? caFile,
    peerPort: 8000,
    log: log.root,
    budgetMs: 600,
    ping: async (ip, port, options) => {
      fakes.pinged.push({ ip, port, options });
      if (o.hang?.includes(ip)) await sleep(options.requestTimeoutMs);
      if (o.down?.includes(ip) || o.hang?.includes(ip)) throw new Error('connect ECONNREFUSED');
    },
  });
  return { checker, fakes, log };
}

describe('isolation check', () => {
  it('a standby (standby.signal) or an unreadable PGDATA is OK without asking the API', async () => {
    for (const pgData of [mk(replicaData, 'standby.signal'), join(dir, 'missing')]) {
      const { checker, fakes } = setup({ reachable: false, cached: cluster(), down: ['10.0.0.2'], pgData });
      assert.equal(await checker.check(), undefined);
      assert.deepEqual(fakes.api.probes, []);
      assert.deepEqual(fakes.pinged, []);
    }
  });

  it('API reachable: OK even with a peer down; the pings run in the background and the failure is logged', async () => {
    const { checker, fakes, log } = setup({ reachable: true, cached: cluster(), down: ['10.0.0.3'] });
    assert.equal(await checker.check(), undefined);
    assert.deepEqual(fakes.api.probes, [500], 'one GET capped at 500 ms');
    await log.waitFor((e) => e.some((l) => l.apiServerReachable === true && String(l.reason).includes('[c1-3]')), 2000);
    assert.equal(await checker.check(), undefined);
    await sleep(50);
    assert.equal(log.entries().filter((l) => l.apiServerReachable === true).length, 1, 'logged once, not per probe');
  });

  it('API unreachable and no Cluster ever received: OK', async () => {
    const { checker, fakes } = setup({ reachable: false, cached: undefined });
    assert.equal(await checker.check(undefined), undefined);
    assert.deepEqual(fakes.pinged, []);
  });

  it('API unreachable, isolation check disabled or a single instance: skipped', async () => {
    for (const c of [cluster({ enabled: false }), cluster({ instances: 1 })]) {
      const { checker, fakes } = setup({ reachable: false, cached: c, down: ['10.0.0.2'] });
      assert.equal(await checker.check(), undefined);
      assert.deepEqual(fakes.pinged, []);
    }
  });

  it('API unreachable, every peer answers: OK, and every reported instance was pinged on the peer port', async () => {
    const { checker, fakes } = setup({ reachable: false, cached: cluster() });
    assert.equal(await checker.check(), undefined);
    assert.deepEqual(fakes.pinged.map((p) => `${p.ip}:${p.port}`).sort(), ['10.0.0.1:8000', '10.0.0.2:8000', '10.0.0.3:8000']);
    assert.match(fakes.pinged[0]?.options.ca ?? '', /BEGIN CERTIFICATE/);
  });

  it('API unreachable, one peer down: the reason names the instance, its ip and the timeouts', async () => {
    const { checker, log } = setup({ reachable: false, cached: cluster(), down: ['10.0.0.2'] });
    const reason = await checker.check();
    assert.equal(reason, 'instance connectivity error for instance [c1-2] with ip [10.0.0.2] (requestTimeout:1000 connectionTimeout:1000): connect ECONNREFUSED');
    assert.ok(log.entries().some((l) => l.level === 'error' && l.apiServerReachable === false));
  });

  it('the cached Cluster wins over the one passed in; the passed one is the fallback', async () => {
    const { checker } = setup({ reachable: false, cached: cluster({ peers: { 'c1-2': '10.0.0.9' } }), down: ['10.0.0.2'] });
    assert.equal(await checker.check(cluster()), undefined);
    const fallback = setup({ reachable: false, cached: undefined, down: ['10.0.0.2'] });
    assert.match((await fallback.checker.check(cluster())) ?? '', /\[c1-2\]/);
  });

  it('a missing ip or an unreadable CA file fails', async () => {
    const noIp = setup({ reachable: false, cached: cluster({ peers: { 'c1-2': '' } }) });
    assert.match((await noIp.checker.check()) ?? '', /\[c1-2\] with ip \[\].*no ip reported/);
    const noCa = setup({ reachable: false, cached: cluster(), caFile: join(dir, 'nope.crt') });
    assert.match((await noCa.checker.check()) ?? '', /while reading the server CA certificate/);
  });

  it('never outlasts its budget: a hanging peer is cut at the budget, pings run in parallel', async () => {
    const { checker, fakes } = setup({ reachable: false, cached: cluster({ requestTimeout: 30_000 }), hang: ['10.0.0.1', '10.0.0.2'] });
    const started = Date.now();
    const reason = await checker.check();
    const took = Date.now() - started;
    assert.match(reason ?? '', /requestTimeout:30000/);
    assert.ok(took < 1000, `took ${took} ms (budget 600)`);
    assert.ok((fakes.pinged[0]?.options.requestTimeoutMs ?? Infinity) <= 600);
  });

  it('concurrent probes share one check', async () => {
    const { checker, fakes } = setup({ reachable: false, cached: cluster() });
    await Promise.all([checker.check(), checker.check(), checker.check()]);
    assert.equal(fakes.api.probes.length, 1);
  });

  it('hasApiProbe and reportedPeers', () => {
    assert.equal(hasApiProbe({}), false);
    assert.equal(hasApiProbe({ probeApi: () => undefined, cachedCluster: () => undefined }), true);
    assert.deepEqual(reportedPeers(cluster({ peers: { a: '1.2.3.4' } })), [{ name: 'a', ip: '1.2.3.4' }]);
    assert.deepEqual(reportedPeers({ status: {} } as unknown as Cluster), []);
  });
});
