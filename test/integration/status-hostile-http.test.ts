// Hostile and odd HTTP on :8000 and :9187, over real TLS 1.3: a header or URL over 16 KB gets 431 and a
// close (not a silent drop), another method than a route's gets 405 with `Allow`, and paths match exactly
// (case, trailing slash), as CNPG's Go mux does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { freePort, manifest, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers } from '../helpers/config-tree.js';
import { errorOf, headerOf, rawTlsRequest, statusRequest } from '../helpers/status-client.js';

const dir = tempDir('pgim-status-h-');
let h: ManagerHandle;
let metricsPort: number;
let ca: string;

before(async () => {
  metricsPort = await freePort();
  h = await startManager({ dir, manifestText: manifest('t1'), extraArgs: ['--metrics-port', String(metricsPort), '--metrics-port-tls'] });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
});

after(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

const big = 'x'.repeat(17 * 1024);

for (const [name, port] of [['status', () => h.statusPort], ['metrics', () => metricsPort]] as const) {
  const path = name === 'status' ? '/healthz' : '/metrics';
  test(`${name} port: a header or a URL over 16 KB is answered 431 and the connection closed`, async () => {
    const header = await rawTlsRequest(port(), ca, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nX-Big: ${big}\r\n\r\n`);
    assert.equal(header.status, 431, `got: ${JSON.stringify(header.head.slice(0, 200))}`);
    assert.equal(header.closed, true);
    assert.equal(headerOf(header.head, 'connection'), 'close');
    const url = await rawTlsRequest(port(), ca, `GET ${path}?${big} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    assert.equal(url.status, 431, `got: ${JSON.stringify(url.head.slice(0, 200))}`);
    assert.equal(url.closed, true);
    // The listener still serves.
    const ok = await rawTlsRequest(port(), ca, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 10_000);
    assert.equal(ok.status, 200);
  });

  test(`${name} port: another method gets 405 with Allow; paths match exactly`, async () => {
    for (const method of ['TRACE', 'DELETE', 'POST', 'PUT', 'OPTIONS']) {
      const r = await rawTlsRequest(port(), ca, `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 10_000);
      assert.equal(r.status, 405, `${method} ${path}: ${r.head}`);
      assert.equal(headerOf(r.head, 'allow'), 'GET, HEAD', `${method} ${path}`);
    }
    const head = await rawTlsRequest(port(), ca, `HEAD ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 10_000);
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    for (const odd of [path.toUpperCase(), `${path}/`, `${path}x`, `/x${path}`]) {
      const r = await rawTlsRequest(port(), ca, `GET ${odd} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 10_000);
      assert.equal(r.status, 404, `GET ${odd}: ${r.head}`);
    }
  });
}

test('status port: every route has its methods, 405 and 404 as JSON errors', async () => {
  const port = h.statusPort;
  const allow: Record<string, string> = {
    '/failsafe': 'GET, HEAD', '/readyz': 'GET, HEAD', '/startupz': 'GET, HEAD', '/pg/status': 'GET, HEAD',
    '/pg/controldata': 'GET, HEAD', '/pg/mode/backup': 'GET, HEAD, POST, PUT', '/pg/archive/partial': 'POST', '/update': 'PUT',
  };
  for (const [path, methods] of Object.entries(allow)) {
    const r = await rawTlsRequest(port, ca, `TRACE ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 10_000);
    assert.equal(r.status, 405, `TRACE ${path}`);
    assert.equal(headerOf(r.head, 'allow'), methods, path);
    assert.deepEqual(errorOf(r.body), { code: 'WRONG_METHOD', message: 'wrong method used' }, path);
  }
  for (const path of ['/PG/STATUS', '/pg/status/', '/pg/Controldata', '/update/', '/Failsafe']) {
    const r = await statusRequest({ port, path, ca });
    assert.equal(r.status, 404, path);
    assert.deepEqual(errorOf(r.body), { code: 'NOT_FOUND', message: 'page not found' }, path);
  }
  // A query string is not part of the path.
  assert.equal((await statusRequest({ port, path: '/readyz?verbose=1', ca })).status, 200);
});
