// Operator-only routes pin the operator's client certificate: SHA-256 of its SubjectPublicKeyInfo must equal
// cluster.status.operatorCertificateFingerprint (CNPG webserver/remote.go, withOperatorAuth). 401 is permanent
// for the operator, 503 transient, so a fingerprint not registered yet is 503.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { HttpError } from './respond.js';

/** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo of the peer certificate, if one was sent. */
export function peerSpkiSha256(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return undefined;
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** Throws the 401/503 HttpError CNPG answers, or returns when the peer is the registered operator. */
export function checkOperator(req: IncomingMessage, registered: unknown): void {
  const presented = peerSpkiSha256(req);
  if (presented === undefined) throw new HttpError(401, 'UNAUTHORIZED', 'client certificate required');
  if (typeof registered !== 'string' || registered === '') {
    throw new HttpError(503, 'NOT_REGISTERED', 'operator certificate not registered');
  }
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(registered.trim().toLowerCase(), 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(503, 'NOT_RECOGNIZED', 'operator certificate not recognized');
  }
}
