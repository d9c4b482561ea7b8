// Two or more embedded-default managers of one Cluster on loopback: `<cluster>-N` listens on base + N - 1
// (src/config/primary-address.ts), every instance has its own state folder and status file and all share the
// primary's secrets folder (one CA), as the local three-instance cluster does.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, manifest, startManager, tempDir, type ManagerHandle } from './manager.js';
import { claimPort } from './port-claims.js';
import { statusRequest } from './status-client.js';

export const CLUSTER = 'r1';

/** A manifest of `instances` instances with a 1 s slot update interval (plus `extra` spec lines). */
export function replicaManifest(instances: number, extra = ''): string {
  return manifest(CLUSTER, `replicationSlots:\n  updateInterval: 1\n${extra}`).replace('instances: 1', `instances: ${instances}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => res(true)));
  });
}

/** A base port with `count` free ports from it. */
export async function portBase(count: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const base = await freePort();
    let ok = true;
    for (let k = 1; k < count && ok; k++) ok = (await canListen(base + k)) && claimPort(base + k);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Writes (merges into) an instance's status file. */
export function writeStatus(dir: string, status: Record<string, unknown>): void {
  const path = join(dir, 'state', 'status.json');
  mkdirSync(join(dir, 'state'), { recursive: true });
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // no file yet
  }
  writeFileSync(path, JSON.stringify({ ...current, ...status }));
}

export interface InstanceOptions {
  base: number;
  ordinal: number;
  manifestText: string;
  status: Record<string, unknown>;
  /** The primary's state folder: its secrets are shared (omitted for the primary itself). */
  secretsFrom?: string;
  secretsDir?: string;
  dir?: string;
  command?: 'run' | 'join';
}

/** Starts `<cluster>-N` on base + N - 1 with its own state folder and the given status file. */
export async function startInstance(o: InstanceOptions): Promise<ManagerHandle> {
  const dir = o.dir ?? tempDir('pgim-replica-');
  writeStatus(dir, o.status);
  const secrets = o.secretsDir ?? (o.secretsFrom ? join(o.secretsFrom, 'secrets') : undefined);
  return startManager({
    dir,
    manifestText: o.manifestText,
    port: o.base + o.ordinal - 1,
    extraArgs: ['--pod-name', `${CLUSTER}-${o.ordinal}`, '--peer-port-base', String(o.base), ...(secrets ? ['--secrets-dir', secrets] : [])],
  });
}

/** GET /pg/status of a manager, parsed; `primary` holds the shared secrets (its CA signs every status certificate). */
export async function pgStatus(h: ManagerHandle, primary: ManagerHandle = h): Promise<Record<string, unknown>> {
  const ca = readFileSync(join(primary.stateDir, 'secrets', `${CLUSTER}-ca`, 'ca.crt'), 'utf8');
  const res = await statusRequest({ port: h.statusPort, path: '/pg/status', ca });
  if (res.status !== 200) throw new Error(`/pg/status ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}
