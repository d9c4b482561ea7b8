// The one place a sample is changed to run on this machine, and only where it must: what it names lives in a
// Kubernetes cluster or a cloud we do not have. Everything else stays as written. Each change is returned as a
// note, so the report says what was replaced.
// - spec.backup.barmanObjectStore: destinationPath -> the shared s3rver (bucket `samples`, a folder per sample)
//   with its endpointURL; an Azure store -> Azurite with a connection string (inheritFromAzureAD needs Azure AD).
//   The Secrets it names keep their names and get the stand-in's key (sample-secrets.ts).
// - spec.externalClusters[]: the entry naming this very cluster (a replica cluster's `self`) is its own store,
//   rewritten as above; every other entry is the source stand-in: connectionParameters.host/port -> its
//   address and port (::1 for an `app` client certificate, which its pg_hba authenticates by `cert`), and
//   barmanObjectStore -> its archive (destinationPath, endpointURL, serverName).
// - spec.bootstrap.recovery.recoveryTarget.targetTime -> the source's noted time: a sample's literal time
//   (2020, 2023) precedes any backup a test can make.
// Ports and paths are flags of `instance run` (startManager), never in the manifest.
import type { KubeObject, Sample } from './sample-catalog.js';
import { CERT_CLIENT_ADDRESS } from './source-stand-in.js';

export interface RewriteTargets {
  s3Endpoint: string;
  bucket: string;
  /** Azurite's account URL and the Secret/key its connection string is installed under, when started. */
  azure?: { accountUrl: string; secret: string; key: string };
  source?: { port: number; store: { destinationPath: string; serverName: string }; targetTime: string };
}

export interface Rewritten {
  cluster: KubeObject;
  notes: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sample's Cluster as it runs here (a deep copy), with one note per replaced field. */
export function rewriteForThisMachine(sample: Sample, t: RewriteTargets): Rewritten {
  const cluster = structuredClone(sample.cluster);
  const notes: string[] = [];
  const spec = isObj(cluster.spec) ? cluster.spec : {};
  const stem = sample.file.replace(/\.ya?ml$/, '');
  const backup = isObj(spec.backup) ? spec.backup : undefined;
  if (backup && isObj(backup.barmanObjectStore)) ownStore(backup.barmanObjectStore, 'spec.backup.barmanObjectStore', stem, t, notes);
  const replica = isObj(spec.replica) ? spec.replica : {};
  const self = typeof replica.self === 'string' ? replica.self : sample.name;
  const externals = Array.isArray(spec.externalClusters) ? (spec.externalClusters as unknown[]) : [];
  externals.forEach((entry, i) => {
    if (!isObj(entry)) return;
    const at = `spec.externalClusters[${i}]`;
    if (entry.name === self) {
      if (isObj(entry.barmanObjectStore)) ownStore(entry.barmanObjectStore, `${at}.barmanObjectStore`, stem, t, notes);
      return;
    }
    if (!t.source) throw new Error(`${at}: the source stand-in is not running`);
    const cp = isObj(entry.connectionParameters) ? entry.connectionParameters : undefined;
    if (cp) {
      const byCertificate = entry.sslCert !== undefined && cp.user !== 'streaming_replica';
      const host = byCertificate ? CERT_CLIENT_ADDRESS : '127.0.0.1';
      notes.push(`${at}.connectionParameters.host ${String(cp.host)} -> ${host}, port ${typeof cp.port === 'string' || typeof cp.port === 'number' ? String(cp.port) : '5432'} -> ${t.source.port}`);
      cp.host = host;
      cp.port = String(t.source.port);
    }
    const store = isObj(entry.barmanObjectStore) ? entry.barmanObjectStore : undefined;
    if (store) {
      notes.push(`${at}.barmanObjectStore ${String(store.destinationPath)} (server ${String(store.serverName ?? entry.name)}) -> the source's archive`);
      store.destinationPath = t.source.store.destinationPath;
      store.endpointURL = t.s3Endpoint;
      store.serverName = t.source.store.serverName;
    }
  });
  const recovery = isObj(spec.bootstrap) && isObj(spec.bootstrap.recovery) ? spec.bootstrap.recovery : undefined;
  const target = recovery && isObj(recovery.recoveryTarget) ? recovery.recoveryTarget : undefined;
  if (target && typeof target.targetTime === 'string') {
    if (!t.source) throw new Error('recoveryTarget.targetTime: the source stand-in is not running');
    notes.push(`spec.bootstrap.recovery.recoveryTarget.targetTime ${target.targetTime} -> ${t.source.targetTime}`);
    target.targetTime = t.source.targetTime;
  }
  return { cluster, notes };
}

function ownStore(store: Obj, at: string, stem: string, t: RewriteTargets, notes: string[]): void {
  const was = String(store.destinationPath);
  if (was.startsWith('s3://')) {
    store.destinationPath = `s3://${t.bucket}/${stem}`;
    notes.push(`${at}.destinationPath ${was} -> ${String(store.destinationPath)}, endpointURL ${typeof store.endpointURL === 'string' ? store.endpointURL : '(AWS)'} -> ${t.s3Endpoint}`);
    store.endpointURL = t.s3Endpoint;
    return;
  }
  if (/^https?:\/\//.test(was) && t.azure) {
    store.destinationPath = `${t.azure.accountUrl}/${t.bucket}/${stem}`;
    notes.push(`${at}.destinationPath ${was} -> Azurite ${String(store.destinationPath)}, azureCredentials -> connectionString (Azure AD is not here)`);
    store.azureCredentials = { connectionString: { name: t.azure.secret, key: t.azure.key } };
    return;
  }
  throw new Error(`${at}.destinationPath ${was}: no local stand-in for this store`);
}
