// The metrics listener on its own: TLS 1.3 only, the certificate swapped in place when the files' version
// changes (no restart, same port), 404/405 outside GET /metrics, and a failing scrape answered with a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import pino from 'pino';
import { MetricsServer } from '../../../src/metrics/metrics-server.js';

const log = pino({ level: 'silent' });

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

function get(port: number, ca: string, maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): Promise<{ status: number; body: string; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', ca, servername: 'localhost', maxVersion, agent: false }, (res) => {
      const peer = (res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate();
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, subject: String(peer.subject.CN) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('TLS 1.3 with the server certificate, swapped when the files change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-metrics-tls-'));
  const one = selfSigned(dir, 'one');
  const two = selfSigned(dir, 'two');
  const live = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  const install = (pair: { cert: string; key: string }): void => {
    execFileSync('cp', [pair.cert, live.cert]);
    execFileSync('cp', [pair.key, live.key]);
  };
  install(one);
  let version = 'v1';
  const server = new MetricsServer({
    port: 0,
    host: '127.0.0.1',
    tls: { certFile: live.cert, keyFile: live.key, version: () => version },
    scrape: () => Promise.resolve('up 1\n'),
    log,
    tlsCheckMs: 20,
  });
  const stop = new AbortController();
  const done = server.start(stop.signal);
  try {
    while (server.port() === undefined) await new Promise((r) => setTimeout(r, 10));
    const port = server.port() ?? 0;
    const caOne = readFileSync(one.cert, 'utf8');
    const caTwo = readFileSync(two.cert, 'utf8');
    assert.deepEqual(await get(port, caOne), { status: 200, body: 'up 1\n', subject: 'one' });
    await assert.rejects(get(port, caOne, 'TLSv1.2'));
    install(two);
    version = 'v2';
    let seen = '';
    for (let i = 0; i < 200 && seen !== 'two'; i++) {
      seen = await get(port, caTwo).then((r) => r.subject, () => '');
      if (seen !== 'two') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(seen, 'two', 'the rotated certificate is served on the same port');
  } finally {
    stop.abort();
    await done;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plain HTTP: 404 and 405 outside GET /metrics; a failed scrape is a 500', async () => {
  let fail = false;
  const server = new MetricsServer({ port: 0, host: '127.0.0.1', scrape: () => (fail ? Promise.reject(new Error('boom')) : Promise.resolve('x 1\n')), log });
  const stop = new AbortController();
  const done = server.start(stop.signal);
  const call = (method: string, path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port(), method, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    while (server.port() === undefined) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await call('GET', '/metrics'), 200);
    assert.equal(await call('GET', '/metrics?x=1'), 200);
    assert.equal(await call('GET', '/'), 404);
    assert.equal(await call('POST', '/metrics'), 405);
    fail = true;
    assert.equal(await call('GET', '/metrics'), 500);
  } finally {
    stop.abort();
    await done;
  }
});
