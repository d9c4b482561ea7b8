// Where an instance finds its primary: the one place that maps an instance name to host:port.
// In Kubernetes it is the `<cluster>-rw` Service on 5432, whatever the primary's name (CNPG's join and
// replicas use it: pkg/specs/jobs.go, --parent-node). The embedded default has no Service: instance
// `<cluster>-N` listens on `peerPortBase + N - 1` on `primaryHost` (127.0.0.1), so the local three-instance
// cluster's 5432/5433/5434 follow from the base 5432, and tests pass a random base.
import { ManagerError } from '../errors.js';
import { PORTS } from './constants.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface PrimaryAddressInput {
  source: 'file' | 'kube';
  clusterName: string;
  /** The instance that is (or is about to be) the primary: status.currentPrimary, else targetPrimary. */
  primaryName: string;
  /** --primary-host; Kubernetes default `<cluster>-rw`, embedded default 127.0.0.1. */
  primaryHost?: string | undefined;
  /** --primary-port (Kubernetes only: the `-rw` Service's port); default 5432. */
  primaryPort?: number | undefined;
  /** --peer-port-base (embedded default only); default 5432. */
  peerPortBase?: number | undefined;
}

/** The ordinal N of `<cluster>-N`, or undefined when the name has another shape. */
export function instanceOrdinal(clusterName: string, instanceName: string): number | undefined {
  const prefix = `${clusterName}-`;
  if (!instanceName.startsWith(prefix)) return undefined;
  const rest = instanceName.slice(prefix.length);
  return /^[1-9]\d{0,5}$/.test(rest) ? Number(rest) : undefined;
}

/** host:port of the primary named `primaryName`, as this instance reaches it. */
export function primaryAddress(input: PrimaryAddressInput): PeerAddress {
  if (input.source === 'kube') return { host: input.primaryHost ?? `${input.clusterName}-rw`, port: input.primaryPort ?? PORTS.postgres };
  const ordinal = instanceOrdinal(input.clusterName, input.primaryName);
  if (ordinal === undefined) {
    throw new ManagerError('USAGE', `the primary ${input.primaryName} is not named <cluster>-N (cluster ${input.clusterName}): its port cannot be derived locally`);
  }
  const port = (input.peerPortBase ?? PORTS.postgres) + ordinal - 1;
  if (port > 65535) throw new ManagerError('USAGE', `--peer-port-base: the port of ${input.primaryName} would be ${port}`);
  return { host: input.primaryHost ?? '127.0.0.1', port };
}
