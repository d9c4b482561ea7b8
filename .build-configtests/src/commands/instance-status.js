// `instance status`: prints the local /pg/status, https first and http on a scheme mismatch (CNPG's CLI).
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { EXIT } from '../config/constants.js';
import { ManagerError } from '../errors.js';
function get(scheme, port) {
    return new Promise((resolve, reject) => {
        const options = { host: '127.0.0.1', port, path: '/pg/status', timeout: 30_000 };
        const onResponse = (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        };
        // The status certificate is for the Cluster's service names; a local status read checks nothing else.
        const req = scheme === 'https' ? httpsRequest({ ...options, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, onResponse) : httpRequest(options, onResponse);
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
    });
}
/** Prints the status JSON to stdout; a clear error when nothing listens. */
export async function instanceStatus(config, write) {
    let result;
    try {
        result = await get('https', config.statusPort);
    }
    catch (err) {
        const code = err.code;
        if (code === 'ECONNREFUSED') {
            throw new ManagerError('NOT_IMPLEMENTED', `nothing listens on the status port ${config.statusPort} (is \`instance run\` running? the status server is not built yet)`);
        }
        // A plain-HTTP server answers a TLS ClientHello with garbage: retry over http.
        result = await get('http', config.statusPort);
    }
    write(`${result.body}\n`);
    return result.status === 200 ? EXIT.ok : EXIT.failure;
}
//# sourceMappingURL=instance-status.js.map