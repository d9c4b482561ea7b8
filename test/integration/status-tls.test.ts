// Status server TLS: TLS 1.3 only, verified with the cluster CA, certificate rotation without a restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { processesMentioning, secretValue, startManager, type ManagerHandle } from '../helpers/manager.js';
import { statusRequest, waitForStatus } from '../helpers/status-client.js';
import { createServerCert } from '../../src/tls/generate.js';

let h: ManagerHandle | undefined;
after(async () => {
  await h?.stop();
  for (const pid of h ? processesMentioning(h.dir) : []) process.kill(pid, 'SIGKILL');
});

test('TLS 1.2 refused, TLS 1.3 with the CA accepted, rotation served without restarting the manager', async () => {
  h = await startManager();
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  const port = h.statusPort;

  const old = await statusRequest({ port, path: '/healthz', ca, minVersion: 'TLSv1.3' });
  assert.equal(old.status, 200);
  assert.equal(old.body, 'OK');

  const tls12 = await statusRequest({ port, path: '/healthz', ca, maxVersion: 'TLSv1.2' }).then(
    (r) => `answered ${r.status}`,
    (e: NodeJS.ErrnoException) => `${e.code ?? ''} ${e.message}`,
  );
  assert.match(tls12, /alert protocol version|unsupported protocol/i);

  const wrongCa = await statusRequest({ port, path: '/healthz', ca: secretValue(h.stateDir, 't1-server', 'tls.crt') }).then(
    () => 'accepted',
    (e: NodeJS.ErrnoException) => e.code ?? e.message,
  );
  assert.notEqual(wrongCa, 'accepted', 'a client verifying with another CA must not accept the certificate');

  // A keep-alive connection opened before the rotation.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' });
  const before = await statusRequest({ port, path: '/failsafe', agent });
  assert.equal(before.serverFingerprint, old.serverFingerprint);

  // Rotate the server Secret as the operator would (the folder replaced at once).
  const caPair = { certPem: ca, keyPem: secretValue(h.stateDir, 't1-ca', 'ca.key') };
  const next = await createServerCert({ ca: caPair, commonName: 't1-rw', dnsNames: ['t1-rw', 'localhost'] });
  const secrets = join(h.stateDir, 'secrets');
  const tmp = join(secrets, '.t1-server.new');
  mkdirSync(tmp, { mode: 0o700 });
  writeFileSync(join(tmp, 'tls.crt'), next.certPem, { mode: 0o600 });
  writeFileSync(join(tmp, 'tls.key'), next.keyPem, { mode: 0o600 });
  // The manager runs as the postgres OS user: the new Secret folder must be its own, as the old one is.
  const owner = statSync(join(secrets, 't1-server'));
  for (const p of [tmp, join(tmp, 'tls.crt'), join(tmp, 'tls.key')]) chownSync(p, owner.uid, owner.gid);
  renameSync(join(secrets, 't1-server'), join(secrets, '.t1-server.old'));
  renameSync(tmp, join(secrets, 't1-server'));
  rmSync(join(secrets, '.t1-server.old'), { recursive: true });

  const rotated = await waitForStatus({ port, path: '/healthz', ca }, (r) => r.serverFingerprint !== old.serverFingerprint, 15_000, 'the rotated certificate').catch((err: unknown) => {
    const mine = h?.lines.filter((l) => l.logger !== 'postgres').slice(-15) ?? [];
    throw new Error(`${String(err)}\n${mine.map((l) => JSON.stringify(l)).join('\n')}`);
  });
  assert.equal(rotated.status, 200);
  const again = await statusRequest({ port, path: '/failsafe', agent });
  assert.equal(again.status, 200, 'the listener and the open connection survived the rotation');
  agent.destroy();
  assert.equal(h.proc.exitCode, null, 'no restart');
  assert.equal(h.lines.filter((l) => l.msg === 'status server listening').length, 1);
});
