import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagerError } from '../../../src/errors.js';
import { createCa, createServerCert } from '../../../src/tls/generate.js';
import { renderTlsFiles } from '../../../src/tls/tls-files.js';
import type { SecretObject } from '../../../src/model/objects.js';

function secret(name: string, data: Record<string, string>): SecretObject {
  return { name, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])), resourceVersion: '1', annotations: {} };
}

test('an expired server certificate or CA is refused naming the Secret and the date; a valid one passes', async () => {
  const ca = await createCa({ commonName: 'ca', days: 10 });
  const server = await createServerCert({ ca, commonName: 'srv', dnsNames: ['localhost'], days: 2 });
  const serverSecret = secret('t1-server', { 'tls.crt': server.certPem, 'tls.key': server.keyPem });
  const caSecret = secret('t1-ca', { 'ca.crt': ca.certPem });
  assert.equal(renderTlsFiles({ serverSecret, clientCaSecret: caSecret }).length, 3);
  const in5days = new Date(Date.now() + 5 * 86_400_000);
  assert.throws(() => renderTlsFiles({ serverSecret, clientCaSecret: caSecret }, in5days), (err: Error) => err instanceof ManagerError && /^tls\.crt in Secret t1-server expired on \d{4}-\d\d-\d\dT/.test(err.message));
  const in20days = new Date(Date.now() + 20 * 86_400_000);
  assert.throws(() => renderTlsFiles({ clientCaSecret: caSecret }, in20days), /ca\.crt in Secret t1-ca expired on/);
});

test('a ca.crt that is not a certificate is refused', () => {
  assert.throws(() => renderTlsFiles({ serverCaSecret: secret('t1-ca', { 'ca.crt': 'garbage' }) }), /ca\.crt is not a valid certificate in Secret t1-ca/);
});
