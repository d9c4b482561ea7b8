// Fault injection for the test API server: answer matching requests with an error status for a while,
// as a kube-apiserver does when etcd is slow or it is restarting (503 with a Status body).
import type { RequestAttributes } from './kube-api-server-rbac.js';

export interface Fault {
  /** Resource as in the audit log ("secrets", "clusters/status"). */
  resource: string;
  /** Verb to fail; every verb when unset. */
  verb?: string;
  code: number;
  /** Fails matching requests until this time (epoch ms). */
  untilMs: number;
}

/** The active faults; expired ones are dropped as they are looked up. */
export class KubeFaults {
  #faults: Fault[] = [];

  /** Fails `verb` on `resource` with `code` for the next `forMs` milliseconds. */
  add(fault: { resource: string; verb?: string; code: number; forMs: number }): void {
    this.#faults.push({ resource: fault.resource, ...(fault.verb ? { verb: fault.verb } : {}), code: fault.code, untilMs: Date.now() + fault.forMs });
  }

  /** The status to answer `attrs` with, if a fault applies now. */
  match(attrs: RequestAttributes): number | undefined {
    const now = Date.now();
    this.#faults = this.#faults.filter((f) => f.untilMs > now);
    return this.#faults.find((f) => f.resource === attrs.resource && (f.verb === undefined || f.verb === attrs.verb))?.code;
  }
}
