// The baseline of scripts/bench/status: a bare node:https server answering `OK` to every request, with the
// status server's TLS and HTTP settings (src/status/status-server.ts, server-certificate.ts): TLS 1.3 only,
// a client certificate requested but not required, no CA trusted, the same timeouts and header limit.
//   node scripts/bench/bare-https.mjs PORT CERT_FILE KEY_FILE
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [port, certFile, keyFile] = process.argv.slice(2);
if (!port || !certFile || !keyFile) {
  console.error('usage: bare-https.mjs PORT CERT_FILE KEY_FILE');
  process.exit(2);
}
const options = {
  cert: readFileSync(certFile),
  key: readFileSync(keyFile),
  minVersion: 'TLSv1.3',
  ca: [],
  requestCert: true,
  rejectUnauthorized: false,
  handshakeTimeout: 3000,
  headersTimeout: 3000,
  requestTimeout: 20_000,
  maxHeaderSize: 16 * 1024,
  connectionsCheckingInterval: 500,
};
const server = createServer(options, (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2, 'cache-control': 'no-store' });
  res.end('OK');
});
server.listen(Number(port), '127.0.0.1', () => console.log(`bare https listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
