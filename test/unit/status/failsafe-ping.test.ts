// The peer ping against real HTTPS servers on loopback: a peer with a certificate from our CA answers (its
// name is not checked: server certificates carry no pod IP); another CA, TLS 1.2 only, a closed port and a
// peer that accepts but never answers all fail, the last within the request timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createCa, createServerCert, type PemPair } from '../../../src/tls/generate.js';
import { pingFailsafe } from '../../../src/status/failsafe-ping.js';

let ca: PemPair;
const servers: (Server | NetServer)[] = [];
const sockets: Socket[] = [];

async function listen(server: Server | NetServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function peer(caPair: PemPair, options: { maxVersion?: 'TLSv1.2' } = {}): Promise<number> {
  // A name that is not 127.0.0.1: only the chain matters.
  const cert = await createServerCert({ commonName: 'c1-rw', ca: caPair, dnsNames: ['c1-rw.ns1.svc'], days: 1 });
  return listen(createHttpsServer({ cert: cert.certPem, key: cert.keyPem, ...options }, (req, res) => res.end(req.url === '/failsafe' ? 'OK' : 'no')));
}

const opts = (requestTimeoutMs = 1000): { ca: string; connectionTimeoutMs: number; requestTimeoutMs: number } => ({ ca: ca.certPem, connectionTimeoutMs: 1000, requestTimeoutMs });

before(async () => {
  ca = await createCa({ commonName: 'c1-ca', days: 1 });
});

after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

describe('pingFailsafe', () => {
  it('resolves for a peer whose certificate chains to the CA, whatever its name', async () => {
    await pingFailsafe('127.0.0.1', await peer(ca), opts());
  });

  it('rejects a peer with a certificate from another CA', async () => {
    const other = await createCa({ commonName: 'evil-ca', days: 1 });
    await assert.rejects(pingFailsafe('127.0.0.1', await peer(other), opts()), /certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i);
  });

  it('rejects a peer that only speaks TLS 1.2', async () => {
    await assert.rejects(pingFailsafe('127.0.0.1', await peer(ca, { maxVersion: 'TLSv1.2' }), opts()), /version|protocol|alert/i);
  });

  it('rejects a closed port', async () => {
    const port = await listen(createNetServer());
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    await assert.rejects(pingFailsafe('127.0.0.1', port, opts()), /ECONNREFUSED/);
  });

  it('rejects a peer that accepts but never answers, within the request timeout', async () => {
    const port = await listen(createNetServer((s) => sockets.push(s)));
    const started = Date.now();
    await assert.rejects(pingFailsafe('127.0.0.1', port, opts(300)), /no answer within 300 ms/);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 1000, `took ${took} ms`);
  });
});
