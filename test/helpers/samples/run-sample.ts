// One sample, start to finish: the loader's verdict; for an accepted one, the rewrite for this machine, its
// Secrets, one instance with the embedded default (`instance run --cluster-manifest`, as `npm start` runs it)
// in its own temp folder on random ports, ready within a deadline, then every check its fields call for;
// stopped and removed afterwards, whatever happened.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startManager, tempDir, type LogLine, type ManagerHandle } from '../manager.js';
import { cleanupDir } from '../lifecycle-procs.js';
import { S3_KEY } from '../s3-server.js';
import { verdictOf, type Sample } from './sample-catalog.js';
import { rewriteForThisMachine, type RewriteTargets } from './rewrite-sample.js';
import { installSampleObjects } from './sample-secrets.js';
import { at, isObj, type RunningSample } from './sample-check.js';
import { checksFor } from './sample-checks.js';
import { uncheckedFields } from './field-coverage.js';
import { BUCKET, type StandIns } from './stand-ins.js';
import { placeSampleSnapshots } from './snapshot-stand-in.js';

export const READY_DEADLINE_MS = 150_000;

export interface SampleOutcome {
  file: string;
  name: string;
  result: 'refused' | 'ran' | 'failed';
  /** The loader's message (refused) or what went wrong (failed). */
  message?: string;
  notes: string[];
  unchecked: string[];
  rewrites: string[];
  ms: number;
  /** From the manager's start to `instance ready`. */
  readyMs?: number;
  /** The checks, and the stop and clean-up. */
  checksMs?: number;
  stopMs?: number;
}

/** Whether the sample reads from the source stand-in (an externalClusters entry other than itself, a Backup, volume snapshots). */
export function needsSource(sample: Sample): boolean {
  const spec = sample.cluster.spec ?? {};
  const self = at(spec, 'replica', 'self') ?? sample.name;
  const externals = Array.isArray(spec.externalClusters) ? (spec.externalClusters as unknown[]) : [];
  const recovery = at(spec, 'bootstrap', 'recovery');
  return externals.some((e) => isObj(e) && e.name !== self) || at(recovery, 'backup') !== undefined || at(recovery, 'volumeSnapshots') !== undefined;
}

function usesAzure(sample: Sample): boolean {
  return isObj(at(sample.cluster.spec, 'backup', 'barmanObjectStore', 'azureCredentials'));
}

function lastErrors(lines: readonly LogLine[]): string {
  const bad = lines.filter((l) => l.level === 'error' || l.level === 'fatal').slice(-3);
  return bad.map((l) => `${String(l.msg)}${l.err ? `: ${JSON.stringify((l.err as { message?: string }).message ?? l.err)}` : ''}${typeof l.error === 'string' ? `: ${l.error}` : ''}`).join(' | ');
}

/** Runs one sample; never throws (a failure is an outcome). Its stop and clean-up are pushed onto `stops`. */
export async function runSample(sample: Sample, stand: StandIns, stops: Promise<void>[]): Promise<SampleOutcome> {
  const started = Date.now();
  const outcome: SampleOutcome = { file: sample.file, name: sample.name, result: 'failed', notes: [], unchecked: [], rewrites: [], ms: 0 };
  if (!sample.verdict.accepted) return { ...outcome, result: 'refused', message: sample.verdict.message };
  let handle: ManagerHandle | undefined;
  const dir = tempDir('pgim-sample-');
  try {
    const s3 = await stand.s3();
    const source = needsSource(sample) ? await stand.source() : undefined;
    const azurite = usesAzure(sample) ? await stand.azurite() : undefined;
    const azure = azurite ? { accountUrl: azurite.accountUrl, secret: 'samples-azurite', key: 'AZURE_STORAGE_CONNECTION_STRING' } : undefined;
    const targets: RewriteTargets = { s3Endpoint: s3.endpoint, bucket: BUCKET, ...(azure ? { azure } : {}), ...(source ? { source: { port: source.port, store: source.store, targetTime: source.targetTime } } : {}) };
    const { cluster, notes: rewrites } = rewriteForThisMachine(sample, targets);
    outcome.rewrites = rewrites;
    const verdict = verdictOf(cluster, `${sample.file} (rewritten)`);
    if (!verdict.accepted) throw new Error(`the rewritten sample is refused: ${verdict.message}`);
    const stateDir = join(dir, 'state');
    outcome.rewrites.push(...(await installSampleObjects(sample, cluster, { stateDir, ...(source ? { source } : {}), ...(azurite && azure ? { azure: { secret: azure.secret, key: azure.key, connectionString: azurite.connectionString() } } : {}) })));
    // VolumeSnapshot NAME is the folder <--volume-snapshots-dir>/NAME in the embedded default (docs/storage.md).
    const snapshotsDir = join(dir, 'volume-snapshots');
    const snapshotNotes = source ? await placeSampleSnapshots(cluster.spec, source.snapshot, snapshotsDir) : [];
    outcome.rewrites.push(...snapshotNotes);
    writeFileSync(join(dir, 'cluster.yaml'), stringify(cluster, { version: '1.1' }));
    // inheritFromIAMRole: the pod's identity is the manager's environment; here it holds the s3rver's key.
    const inherit = at(cluster.spec, 'backup', 'barmanObjectStore', 's3Credentials', 'inheritFromIAMRole') === true;
    handle = await startManager({ dir, ...(snapshotNotes.length > 0 ? { extraArgs: ['--volume-snapshots-dir', snapshotsDir] } : {}), ...(inherit ? { env: { AWS_ACCESS_KEY_ID: S3_KEY, AWS_SECRET_ACCESS_KEY: S3_KEY, AWS_DEFAULT_REGION: 'us-east-1' } } : {}) });
    const h = handle;
    const spawned = Date.now();
    const ready = await h.waitForLine((l) => l.msg === 'instance ready', READY_DEADLINE_MS, 'instance ready').catch((err: Error) => {
      throw new Error(`not ready: ${lastErrors(h.lines) || err.message.split('; stderr')[0] || ''}`);
    });
    outcome.readyMs = Date.now() - spawned;
    const spec = cluster.spec ?? {};
    const initdb = at(spec, 'bootstrap', 'initdb');
    const appDb = isObj(initdb) && typeof initdb.database === 'string' ? initdb.database : 'app';
    const running: RunningSample = {
      sample, cluster, spec, handle: h, sql: { socketDir: String(ready.socketDir), port: h.port }, stateDir, pgData: String(ready.pgdata),
      s3: { dir: s3.dir, bucket: BUCKET, prefix: sample.file.replace(/\.ya?ml$/, '') }, appDb,
      appOwner: isObj(initdb) && typeof initdb.owner === 'string' ? initdb.owner : appDb,
      ...(source ? { source } : {}),
    };
    const checks = checksFor(spec);
    const checking = Date.now();
    for (const check of checks) {
      const notes = await check.run(running).catch((err: Error) => {
        throw new Error(`${check.name}: ${err.message}`);
      });
      for (const n of notes) (n.startsWith('not checked: ') ? outcome.unchecked : outcome.notes).push(n.replace(/^not checked: /, ''));
    }
    outcome.unchecked.unshift(...uncheckedFields(spec, checks.flatMap((c) => c.covers)));
    outcome.checksMs = Date.now() - checking;
    outcome.result = 'ran';
  } catch (err) {
    outcome.message = err instanceof Error ? err.message : String(err);
  } finally {
    outcome.ms = Date.now() - started;
    // The stop (a shutdown checkpoint, mostly waiting) goes on while the next sample starts.
    const stopping = Date.now();
    const h = handle;
    stops.push((async () => {
      await h?.stop(30_000).catch(() => undefined);
      await cleanupDir(dir);
      outcome.stopMs = Date.now() - stopping;
    })());
  }
  return outcome;
}
