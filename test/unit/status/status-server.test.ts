import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Agent } from 'node:https';
import { pino } from 'pino';
import { StatusServer } from '../../../src/status/status-server.js';
import { createInstanceState } from '../../../src/model/instance-state.js';
import { controllerPaths } from '../../../src/config/constants.js';
import { createCa, createServerCert, type PemPair } from '../../../src/tls/generate.js';
import { freePort } from '../../helpers/manager.js';
import { statusRequest, waitForStatus } from '../../helpers/status-client.js';

function writePair(dir: string, pair: PemPair): void {
  // As the reconciler does: each file replaced atomically.
  for (const [name, text] of [['server.crt', pair.certPem], ['server.key', pair.keyPem]] as const) {
    writeFileSync(join(dir, `.${name}.tmp`), text, { mode: 0o600 });
    renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  }
}

async function setup(): Promise<{ server: StatusServer; port: number; certs: string; stop: AbortController }> {
  const root = mkdtempSync(join(tmpdir(), 'pgim-statussrv-'));
  const controller = controllerPaths(join(root, 'controller'));
  mkdirSync(controller.certificates, { recursive: true });
  const port = await freePort();
  const lifecycle = { phase: () => 'running' as const, isReady: () => false, current: () => undefined, lastTick: () => Date.now() };
  const server = new StatusServer({
    config: { statusPort: port, statusPortTls: true, listenAddresses: '127.0.0.1', source: 'file', pgData: join(root, 'pgdata'), port: 1, controller },
    state: createInstanceState('c', 'c-1'),
    lifecycle,
    cluster: () => undefined,
    controlData: () => Promise.resolve({ ok: true, text: 'x' }),
    root: pino({ level: 'silent' }),
  });
  const stop = new AbortController();
  await server.listen(stop.signal);
  return { server, port, certs: controller.certificates, stop };
}

test('before a certificate exists the handshake fails with an alert, never a plaintext answer', async () => {
  const { port, stop } = await setup();
  try {
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      s.on('secureConnect', () => resolve('connected'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.match(outcome, /ALERT_HANDSHAKE_FAILURE/);
  } finally {
    stop.abort();
  }
});

test('a rotated certificate is served to new connections without restarting the listener', async () => {
  const { port, certs, stop } = await setup();
  try {
    const ca = await createCa({ commonName: 'test-ca' });
    const first = await createServerCert({ ca, commonName: 'one', dnsNames: ['localhost'] });
    writePair(certs, first);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.certPem });
    const a = await waitForStatus({ port, path: '/failsafe', ca: ca.certPem }, (r) => r.status === 200, 5000, 'the first certificate');
    const kept = await statusRequest({ port, path: '/failsafe', agent: keepAlive });
    assert.equal(kept.serverFingerprint, a.serverFingerprint);
    const second = await createServerCert({ ca, commonName: 'two', dnsNames: ['localhost'] });
    writePair(certs, second);
    const b = await waitForStatus({ port, path: '/failsafe', ca: ca.certPem }, (r) => r.serverFingerprint !== a.serverFingerprint, 5000, 'the rotated certificate');
    assert.equal(b.status, 200);
    // The connection opened before the rotation still works: the listener was never dropped.
    const again = await statusRequest({ port, path: '/failsafe', agent: keepAlive });
    assert.equal(again.status, 200);
    keepAlive.destroy();
  } finally {
    stop.abort();
  }
});

test('unknown paths 404, oversized bodies 413, both as JSON errors', async () => {
  const { port, certs, stop } = await setup();
  try {
    const ca = await createCa({ commonName: 'test-ca' });
    writePair(certs, await createServerCert({ ca, commonName: 'x', dnsNames: ['localhost'] }));
    await waitForStatus({ port, path: '/failsafe', ca: ca.certPem }, (r) => r.status === 200, 5000, 'certificate');
    const missing = await statusRequest({ port, path: '/nope', ca: ca.certPem });
    assert.equal(missing.status, 404);
    assert.equal(missing.contentType, 'application/json');
    assert.deepEqual(JSON.parse(missing.body), { error: { code: 'NOT_FOUND', message: 'page not found' } });
    // Announce a 2 MiB body and send none of it: the answer comes before the body would be read.
    const head = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' }, () => {
        s.write('POST /pg/status HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2097152\r\n\r\n');
      });
      let text = '';
      s.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('\r\n\r\n')) {
          resolve(text);
          s.destroy();
        }
      });
      s.on('error', reject);
    });
    assert.match(head, /^HTTP\/1\.1 413 /);
  } finally {
    stop.abort();
  }
});
