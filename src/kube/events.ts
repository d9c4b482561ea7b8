// Events for notable transitions (postmaster restarted, configuration reloaded, certificate rotated,
// excess permissions). Best effort: an event that cannot be recorded is logged once at debug, never fatal.
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { EventSpec, KubeApi } from './kube-api.js';

export interface EventRecorderOptions {
  api: KubeApi;
  clusterName: string;
  log: Logger;
  /** The Cluster's uid, once known, so the event links to the object. */
  uid?: () => string | undefined;
}

/** Records core/v1 Events about our Cluster. */
export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly sent: EventSpec[] = [];

  constructor(options: EventRecorderOptions) {
    this.#o = options;
  }

  /** Creates one event; resolves even when the API refuses it. */
  async record(type: EventSpec['type'], reason: string, message: string): Promise<void> {
    const uid = this.#o.uid?.();
    const event: EventSpec = {
      kind: 'Cluster',
      apiVersion: 'postgresql.cnpg.io/v1',
      name: this.#o.clusterName,
      type,
      reason,
      message,
      ...(uid ? { uid } : {}),
    };
    try {
      await this.#o.api.createEvent(event);
      this.sent.push(event);
    } catch (err) {
      this.#o.log.warn({ err: describeError(err), reason }, 'could not record an event');
    }
  }
}

/** The transitions between two snapshots of instance state worth an event. */
export function transitions(
  before: { postmasterPid?: number; lastReloadAt?: string; certVersion?: string },
  after: { postmasterPid?: number; lastReloadAt?: string; certVersion?: string },
): { reason: string; message: string }[] {
  const out: { reason: string; message: string }[] = [];
  if (before.postmasterPid !== undefined && after.postmasterPid !== undefined && before.postmasterPid !== after.postmasterPid) {
    out.push({ reason: 'PostmasterRestarted', message: `postmaster restarted (pid ${before.postmasterPid} -> ${after.postmasterPid})` });
  }
  if (after.lastReloadAt !== undefined && before.lastReloadAt !== after.lastReloadAt) {
    out.push({ reason: 'ConfigurationReloaded', message: 'PostgreSQL configuration reloaded' });
  }
  if (before.certVersion !== undefined && after.certVersion !== undefined && before.certVersion !== after.certVersion) {
    out.push({ reason: 'CertificateRotated', message: 'server certificate changed; PostgreSQL reloaded it' });
  }
  return out;
}
