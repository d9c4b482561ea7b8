// The former primary's "can it follow as it is" question (src/replication/follow-check.ts) wired to this
// instance: its own pg_controldata, read once per demotion (postgres is down, so it cannot change), and the
// target's IDENTIFY_SYSTEM and timeline history over a streaming_replica connection (its client certificate,
// the server verified against the server CA, as the join and pg_rewind connect).
import { primaryAddress } from '../config/primary-address.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { localControl, whyRewind, type LocalControl } from '../replication/follow-check.js';
import type { Cluster } from '../spec/cluster.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import type { Prepared } from './prepare.js';

/** One connection attempt's bound: a target that does not answer leaves the decision to the promotion report and pg_rewind. */
const PROBE_TIMEOUT_MS = 2000;

/** followsAsIs of demoteAtStart for this instance; each distinct reason for "no" is logged once (debug). */
export function followsAsIsCheck(p: Prepared, provisioned: Promise<void>, log: Logger): (source: string, cluster: Cluster) => Promise<boolean> {
  const { config } = p;
  let local: Promise<LocalControl | undefined> | undefined;
  let said = '';
  const no = (reason: string): false => {
    if (reason !== said) log.debug({ reason }, 'former primary: not following as it is yet');
    said = reason;
    return false;
  };
  return async (source, cluster) => {
    local ??= readControlData(config.pgBin, config.pgData, p.registry).then((r) => (r.ok ? localControl(parseControlData(r.text)) : undefined));
    const control = await local;
    if (control === undefined) return no('pg_controldata could not be read');
    // A crash (a failover's kill) leaves WAL the source may never have had: only pg_rewind can tell.
    if (control.state !== 'shut down') return no(`the former primary did not stop cleanly (${control.state})`);
    await provisioned;
    const address = primaryAddress({ source: config.source, clusterName: cluster.name, primaryName: source, primaryHost: config.primaryHost, primaryPort: config.primaryPort, peerPortBase: config.peerPortBase });
    try {
      // Loaded on use (pg): an ordinary start loads it only after postgres is spawned.
      const { timelineOf } = await import('../db/replication-probe.js');
      const timeline = await timelineOf({ host: address.host, port: address.port, applicationName: p.state.podName, certificatesDir: config.controller.certificates, timeoutMs: PROBE_TIMEOUT_MS });
      const why = whyRewind(control, timeline);
      return why === undefined ? true : no(why);
    } catch (err) {
      return no(`${source} did not answer: ${describeError(err)}`);
    }
  };
}
