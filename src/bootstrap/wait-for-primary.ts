// Waits until the primary accepts a physical replication connection from us (IDENTIFY_SYSTEM), as CNPG's
// join does before pg_basebackup (RetryUntilServerAvailable, every 5 s without end). A join started while
// the primary is down, or before the status names one, simply waits; a certificate the primary rejects is
// named in the log and retried, since a Secret fixed in the meantime makes the next attempt work.
// One log line per change of outcome, not one per attempt.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { identifySystem, type IdentifySystem } from '../db/replication-probe.js';
import type { Cluster } from '../spec/cluster.js';

export interface WaitForPrimaryOptions {
  /** Re-reads the Cluster (its status names the primary). */
  load: () => Promise<Cluster>;
  /** The instance to clone from, or undefined while the status names none. */
  primaryOf: (cluster: Cluster) => string | undefined;
  /** host:port of an instance. */
  addressOf: (cluster: Cluster, primary: string) => { host: string; port: number };
  applicationName: string;
  certificatesDir: string;
  log: Logger;
  signal: AbortSignal;
  /** First pause between attempts, doubled up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface PrimaryFound extends IdentifySystem {
  cluster: Cluster;
  primary: string;
  host: string;
  port: number;
}

// Node's TLS error codes (OpenSSL's, https://nodejs.org/api/errors.html#openssl-errors) and the usual socket
// errors, said in the words of the fix; anything else is the server's or the library's own message.
const EXPLAINED: ReadonlyMap<string, string> = new Map([
  ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'the primary rejected our streaming_replica certificate (signed by a CA it does not trust: check the replication TLS Secret against the client CA)'],
  ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'the primary rejected our streaming_replica certificate (expired)'],
  ['SELF_SIGNED_CERT_IN_CHAIN', "the primary's server certificate is not signed by our server CA (server-ca.crt)"],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', "the primary's server certificate is not signed by our server CA (server-ca.crt)"],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', "the primary's server certificate is self-signed and not our server CA"],
  ['CERT_HAS_EXPIRED', "the primary's server certificate has expired"],
  ['ECONNREFUSED', 'connection refused (is the primary running?)'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['ENOTFOUND', 'host name not found'],
]);

function explain(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const known = e.code === undefined ? undefined : EXPLAINED.get(e.code);
  if (known !== undefined) return `${known} [${e.code ?? ''}]`;
  return `${e.message ?? String(err)}${e.code ? ` [${e.code}]` : ''}`;
}

/** Resolves once IDENTIFY_SYSTEM succeeded; rejects only when `signal` aborts. */
export async function waitForPrimary(o: WaitForPrimaryOptions): Promise<PrimaryFound> {
  const maxDelay = o.maxDelayMs ?? 5000;
  let pause = o.minDelayMs ?? 250;
  let lastOutcome = '';
  const since = Date.now();
  for (;;) {
    o.signal.throwIfAborted();
    let outcome: string;
    try {
      const cluster = await o.load();
      const primary = o.primaryOf(cluster);
      if (primary === undefined) {
        outcome = 'the Cluster status names no primary yet (currentPrimary, targetPrimary): waiting';
      } else {
        const { host, port } = o.addressOf(cluster, primary);
        try {
          const id = await identifySystem({ host, port, applicationName: o.applicationName, certificatesDir: o.certificatesDir, timeoutMs: 5000 });
          o.log.info({ primary, host, port, systemId: id.systemId, timeline: id.timeline, waitedMs: Date.now() - since }, 'primary reachable for replication');
          return { ...id, cluster, primary, host, port };
        } catch (err) {
          outcome = `cannot open a replication connection to ${primary} at ${host}:${port} as streaming_replica: ${explain(err)}`;
        }
      }
    } catch (err) {
      outcome = `cannot read the Cluster: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (outcome !== lastOutcome) {
      o.log.warn({ retryInMs: maxDelay }, `${outcome}; retrying until it works`);
      lastOutcome = outcome;
    }
    await delay(pause, undefined, { signal: o.signal });
    pause = Math.min(pause * 2, maxDelay);
  }
}
