// One GET of an instance's /pg/status (https, TLS 1.3, as `instance status` reads it: the certificate is for the
// Cluster's service names, and a local read checks nothing else), bounded, never throwing: unreachable is a fact.
import { request } from 'node:https';
import type { InstanceReport } from './operator-rules.js';

/** The instance's report; reachable false when nothing answered within `timeoutMs` or the answer was not JSON. */
export function probeInstance(name: string, statusPort: number, timeoutMs = 1000): Promise<InstanceReport> {
  return new Promise((resolve) => {
    const down: InstanceReport = { name, reachable: false };
    const req = request({ host: '127.0.0.1', port: statusPort, path: '/pg/status', timeout: timeoutMs, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(down);
        try {
          const s = JSON.parse(body) as Record<string, unknown>;
          const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
          resolve({
            name,
            reachable: true,
            isPrimary: s.isPrimary === true,
            receivedLsn: str(s.receivedLsn),
            replayLsn: str(s.replayLsn),
            currentLsn: str(s.currentLsn),
            isWalReceiverActive: s.isWalReceiverActive === true,
            timeLineID: typeof s.timeLineID === 'number' ? s.timeLineID : undefined,
            isPodReady: s.isPodReady === true,
          });
        } catch {
          resolve(down);
        }
      });
      res.on('error', () => resolve(down));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(down));
    req.end();
  });
}
