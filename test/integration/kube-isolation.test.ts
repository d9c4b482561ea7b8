// Liveness primary isolation end to end: a real manager (primary on disk) with a 3-instance Cluster whose
// status reports two peers, simulated by HTTPS servers on 127.0.0.2 and 127.0.0.3 with certificates from
// the cluster's server CA. With the test API server stopped, /healthz stays OK while the peers answer and
// fails (500, naming the peer) as soon as one is down or hangs, within the probe deadline; once the API is
// back it is OK again and the unreachable peer is only logged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServerCert } from '../../src/tls/generate.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { freePort, processesMentioning } from '../helpers/manager.js';

let f: KubeFixture;
let m: KubeManager;
let statusPort: number;
let peerPort: number;
const peers = new Map<string, Server | NetServer>();
const sockets = new Set<Socket>();

function healthz(): Promise<{ code: number; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: statusPort, path: '/healthz', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      // Failures come as {"error":{"code","message"}} (status/respond.ts): compare the message.
      res.on('end', () => {
        const message = res.statusCode === 200 ? body : ((JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body);
        resolve({ code: res.statusCode ?? 0, body: message, ms: Date.now() - started });
      });
    });
    req.on('timeout', () => req.destroy(new Error('/healthz did not answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

async function listen(ip: string, server: Server | NetServer): Promise<void> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(peerPort, ip, () => resolve());
  });
  peers.set(ip, server);
}

async function startPeer(ip: string): Promise<void> {
  const ca = f.readSecret(`${f.clusterName}-ca`);
  const caPair = { certPem: ca?.data['ca.crt']?.toString() ?? '', keyPem: ca?.data['ca.key']?.toString() ?? '' };
  // Like a real instance's certificate: the service names, no pod IP.
  const cert = await createServerCert({ commonName: `${f.clusterName}-rw`, ca: caPair, dnsNames: [`${f.clusterName}-rw`], days: 1 });
  await listen(ip, createHttpsServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.3' }, (_req, res) => res.end('OK')));
}

async function stopPeer(ip: string): Promise<void> {
  const server = peers.get(ip);
  peers.delete(ip);
  if (!server) return;
  for (const s of sockets) if (s.localAddress === ip) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

before(async () => {
  f = await kubeFixture({ specYaml: 'probes:\n  liveness:\n    isolationCheck:\n      enabled: true\n      requestTimeout: 800\n      connectionTimeout: 700' });
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, '', 'application/merge-patch+json', { spec: { instances: 3 } });
  const init = await runKubeManager(f, 'init');
  assert.equal(await init.exited, 0, init.stderr());
  statusPort = await freePort();
  peerPort = await freePort();
  m = await runKubeManager(f, 'run', ['--status-port', String(statusPort), '--peer-status-port', String(peerPort)]);
  await m.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  await startPeer('127.0.0.2');
  await startPeer('127.0.0.3');
  const changes = m.lines.filter((l) => l.msg === 'Cluster changed').length;
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, 'status', 'application/merge-patch+json', {
    status: {
      instancesReportedState: {
        [`${f.clusterName}-2`]: { isPrimary: false, timeLineID: 1, ip: '127.0.0.2' },
        [`${f.clusterName}-3`]: { isPrimary: false, timeLineID: 1, ip: '127.0.0.3' },
      },
    },
  });
  await m.waitForLine((l) => l.msg === 'Cluster changed' && m.lines.filter((x) => x.msg === 'Cluster changed').length > changes, 15_000, 'the reported state seen by the watch');
});

after(async () => {
  await m?.stop();
  for (const ip of [...peers.keys()]) await stopPeer(ip);
  for (const pid of processesMentioning(f.dir)) process.kill(pid, 'SIGKILL');
  await f.server.stop();
  rmSync(f.dir, { recursive: true, force: true });
});

describe('liveness isolation check (API server unreachable)', () => {
  it('is OK with the API server up', async () => {
    const r = await healthz();
    assert.deepEqual([r.code, r.body], [200, 'OK']);
  });

  it('stays OK with the API server down while every reported peer answers /failsafe', async () => {
    await f.server.stop();
    const r = await healthz();
    assert.deepEqual([r.code, r.body], [200, 'OK']);
  });

  it('fails with 500 naming the peer once one is down, within the probe deadline', async () => {
    await stopPeer('127.0.0.3');
    const r = await healthz();
    assert.equal(r.code, 500);
    assert.match(r.body, /^liveness check failed: instance connectivity error for instance \[c1-3\] with ip \[127\.0\.0\.3\] \(requestTimeout:800 connectionTimeout:700\): .*ECONNREFUSED/);
    assert.ok(r.ms < 2000, `answered in ${r.ms} ms`);
    await m.waitForLine((l) => l.msg === 'instance connectivity error - liveness probe failing', 5000, 'the failure logged');
  });

  it('fails within the deadline when a peer accepts connections but never answers', async () => {
    await listen('127.0.0.3', createNetServer());
    const r = await healthz();
    assert.equal(r.code, 500);
    assert.match(r.body, /instance \[c1-3\].*no answer within 800 ms/);
    assert.ok(r.ms < 2000, `answered in ${r.ms} ms`);
  });

  it('is OK again once the API server answers; the silent peer is only logged', async () => {
    await f.server.start();
    const r = await healthz();
    assert.deepEqual([r.code, r.body], [200, 'OK']);
    await m.waitForLine((l) => l.msg === 'instance connectivity error - liveness passes because the API server is reachable', 5000, 'the warning');
    assert.equal(m.proc.exitCode, null, 'the manager kept running throughout');
  });
});
