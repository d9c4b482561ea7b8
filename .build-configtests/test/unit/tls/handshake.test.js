// The generated material is usable for real TLS 1.3: node:tls on both ends, and openssl s_client.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:tls';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createClientCert, createServerCert } from '../../../src/tls/generate.js';
let ca;
let server;
let client;
let foreignClient;
before(async () => {
    ca = await createCa({ commonName: 'c1' });
    server = await createServerCert({
        ca,
        commonName: 'c1-rw',
        dnsNames: ['c1-rw', 'localhost'],
        ipAddresses: ['127.0.0.1'],
    });
    client = await createClientCert({ ca, commonName: 'streaming_replica' });
    const otherCa = await createCa({ commonName: 'someone-else' });
    foreignClient = await createClientCert({
        ca: otherCa,
        commonName: 'streaming_replica',
    });
});
// A TLS 1.3 server answering with the peer's CN. 'require' rejects clients without a certificate from our
// CA during the handshake; 'request' lets them in and records OpenSSL's verdict. `keepOpen` leaves closing
// to the client: openssl s_client counts a server EOF racing its own shutdown as an error.
async function startServer(clientCerts, keepOpen = false) {
    const verdicts = [];
    const srv = createServer({
        key: server.keyPem,
        cert: server.certPem,
        ca: ca.certPem,
        minVersion: 'TLSv1.3',
        requestCert: clientCerts !== 'none',
        rejectUnauthorized: clientCerts === 'require',
    }, (socket) => {
        verdicts.push(socket.authorized ? null : String(socket.authorizationError));
        const cn = socket.getPeerCertificate().subject?.CN;
        if (keepOpen)
            socket.write(`hello ${String(cn)}`);
        else
            socket.end(`hello ${String(cn)}`);
    });
    srv.on('tlsClientError', () => undefined);
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    return { server: srv, port: srv.address().port, verdicts };
}
// Resolves with what the server sent, or rejects with the TLS error.
function talk(port, options) {
    return new Promise((resolve, reject) => {
        const socket = connect({
            host: '127.0.0.1',
            port,
            servername: options.servername,
            ca: ca.certPem,
            minVersion: 'TLSv1.3',
            ...(options.pair ? { key: options.pair.keyPem, cert: options.pair.certPem } : {}),
        });
        let data = '';
        let protocol = null;
        socket.on('secureConnect', () => (protocol = socket.getProtocol()));
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => (data ? resolve({ data, protocol }) : reject(new Error('closed without data'))));
        socket.on('error', reject);
        socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    });
}
test('a TLS 1.3 client verifying with our CA and servername c1-rw connects', async () => {
    const { server: srv, port } = await startServer('none');
    try {
        const result = await talk(port, { servername: 'c1-rw' });
        assert.equal(result.protocol, 'TLSv1.3');
        assert.equal(result.data, 'hello undefined');
        await assert.rejects(talk(port, { servername: 'c1-ro' }), {
            code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
    }
    finally {
        srv.close();
    }
});
test('a server requiring client certs from our CA accepts ours and rejects one from another CA', async () => {
    const strict = await startServer('require');
    const lenient = await startServer('request');
    try {
        assert.equal((await talk(strict.port, { servername: 'c1-rw', pair: client })).data, 'hello streaming_replica');
        await assert.rejects(talk(strict.port, { servername: 'c1-rw', pair: foreignClient }));
        await assert.rejects(talk(strict.port, { servername: 'c1-rw' }), /certificate required/);
        assert.equal(strict.verdicts.length, 1, 'only our client reached the strict server');
        // Why it was refused: OpenSSL's verdict on each certificate.
        await talk(lenient.port, { servername: 'c1-rw', pair: client });
        await talk(lenient.port, { servername: 'c1-rw', pair: foreignClient });
        assert.deepEqual(lenient.verdicts, [null, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    }
    finally {
        strict.server.close();
        lenient.server.close();
    }
});
test('openssl s_client verifies the chain and the host name against a node:tls server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-handshake-'));
    const { server: srv, port } = await startServer('none', true);
    try {
        writeFileSync(join(dir, 'ca.crt'), ca.certPem);
        const args = [
            's_client',
            '-connect',
            `127.0.0.1:${port}`,
            '-servername',
            'c1-rw',
            '-verify_hostname',
            'c1-rw',
            '-CAfile',
            join(dir, 'ca.crt'),
            '-verify_return_error',
            '-tls1_3',
        ];
        const running = promisify(execFile)('openssl', args, { timeout: 10_000 });
        running.child.stdin?.end();
        const out = (await running).stdout;
        assert.match(out, /Verify return code: 0 \(ok\)/);
        assert.match(out, /TLSv1\.3/);
    }
    finally {
        srv.close();
        rmSync(dir, { recursive: true, force: true });
    }
});
//# sourceMappingURL=handshake.test.js.map