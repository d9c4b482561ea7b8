// One GET of an instance's /pg/status (https, TLS 1.3, as `instance status` reads it: the certificate is for the
// Cluster's service names, and a local read checks nothing else), bounded, never throwing: unreachable is a fact.
import { request } from 'node:https';
import type { InstanceReport } from './operator-rules.js';

/** The instance's report (/pg/status, and /readyz for `ready`); reachable false when /pg/status did not answer in time. */
export async function probeInstance(name: string, statusPort: number, timeoutMs = 1000): Promise<InstanceReport> {
  const [report, ready] = await Promise.all([pgStatus(name, statusPort, timeoutMs), readyz(statusPort, timeoutMs)]);
  return report.reachable ? { ...report, isPodReady: ready } : report;
}

function readyz(statusPort: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: statusPort, path: '/readyz', timeout: timeoutMs, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

function pgStatus(name: string, statusPort: number, timeoutMs: number): Promise<InstanceReport> {
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
