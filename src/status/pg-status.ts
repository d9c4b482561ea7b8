// /pg/status: CNPG's PostgresqlStatus JSON (pkg/postgres/status.go) with its exact field names, types and
// omitempty rules. One SQL round trip, shared by concurrent callers and bounded by a deadline. While
// postgres is down, starting, restarting or stopping, the answer is CNPG's masked 200 (mightBeUnavailable).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from '../db/pool.js';
import { queryStatus, type StatusRow } from '../db/status-queries.js';
import type { InstanceState } from '../model/instance-state.js';
import { describeSpace, readVolumeSpace, WAL_SEGMENT_BYTES } from '../supervisor/volume-space.js';
import { instanceInfo } from './instance-info.js';
import type { LifecycleView } from './probes.js';
import { HttpError, SingleFlight, withDeadline } from './respond.js';

export interface PgStatusOptions {
  state: InstanceState;
  lifecycle: LifecycleView;
  pgData: string;
  pool: () => Pool;
  deadlineMs: number;
}

type Json = Record<string, unknown>;

// Go's `omitempty`: false, 0, "" and empty arrays are left out.
function omitEmpty(target: Json, key: string, value: unknown): void {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return;
  if (Array.isArray(value) && value.length === 0) return;
  // eslint-disable-next-line security/detect-object-injection -- fixed field names of the status struct
  target[key] = value;
}

// The first field of pg_control is the system identifier, a little-endian uint64 on every platform we run on
// (src/include/catalog/pg_control.h, ControlFileData.system_identifier).
async function systemIdFromControlFile(pgData: string): Promise<string> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/global/pg_control
    const bytes = await readFile(join(pgData, 'global', 'pg_control'));
    return bytes.length >= 8 ? bytes.readBigUInt64LE(0).toString() : '';
  } catch {
    return '';
  }
}

async function hasStandbySignal(pgData: string): Promise<boolean> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  const names = await readdir(pgData).catch(() => [] as string[]);
  return names.includes('standby.signal') || names.includes('recovery.signal');
}

/** Count of `*.ready` files in pg_wal/archive_status (CNPG GetWALArchiveCounters). */
async function readyWalFiles(pgData: string): Promise<number> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_wal/archive_status
  const names = await readdir(join(pgData, 'pg_wal', 'archive_status')).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.ready')).length;
}

/** Builds /pg/status answers. `get()` resolves with the JSON text of a 200 or rejects with an HttpError. */
export class PgStatus {
  readonly #o: PgStatusOptions;
  readonly #flight = new SingleFlight<string>();

  constructor(options: PgStatusOptions) {
    this.#o = options;
  }

  /** The status JSON; concurrent calls share one computation. */
  get(): Promise<string> {
    return this.#flight.run(() => this.#compute());
  }

  #base(mightBeUnavailable: boolean): Json {
    const info = instanceInfo();
    return {
      systemID: '',
      isPrimary: false,
      replayPaused: false,
      pendingRestart: false,
      pendingRestartForDecrease: false,
      isWalReceiverActive: false,
      isPgRewindRunning: false,
      mightBeUnavailable,
      node: '',
      // corev1.Pod with only metadata.name, as Go serialises it.
      pod: { metadata: { name: this.#o.state.podName, creationTimestamp: null }, spec: { containers: null }, status: {} },
      executableHash: info.executableHash,
      instanceManagerVersion: info.instanceManagerVersion,
      instanceArch: info.instanceArch,
      isInstanceManagerUpgrading: false,
      sessionID: this.#o.state.sessionId,
      isPodReady: false,
    };
  }

  async #compute(): Promise<string> {
    const status = await this.#status();
    status.volumes = await volumes(this.#o.pgData);
    return JSON.stringify(status);
  }

  async #status(): Promise<Json> {
    const lc = this.#o.lifecycle;
    // CNPG's mightBeUnavailable: a restart (or stop) is in progress, so errors are expected and masked.
    const mightBeUnavailable = lc.phase() !== 'running';
    if (!lc.isReady()) {
      if (!mightBeUnavailable) throw new HttpError(500, 'NOT_RUNNING', 'postgres is not running');
      return this.#masked('postgres is not accepting connections yet');
    }
    try {
      const row = await withDeadline(queryStatus(this.#o.pool(), this.#o.state.clusterName, this.#o.deadlineMs + 500), this.#o.deadlineMs, 'postgres');
      return await this.#fromRow(row, mightBeUnavailable);
    } catch (err) {
      if (!mightBeUnavailable) throw err instanceof HttpError ? err : new HttpError(500, 'STATUS_FAILED', err instanceof Error ? err.message : String(err));
      return this.#masked(err instanceof Error ? err.message : String(err));
    }
  }

  async #masked(reason: string): Promise<Json> {
    const status = this.#base(true);
    status.systemID = await systemIdFromControlFile(this.#o.pgData);
    status.isPrimary = !(await hasStandbySignal(this.#o.pgData));
    status.mightBeUnavailableMaskedError = reason;
    return status;
  }

  async #fromRow(row: StatusRow, mightBeUnavailable: boolean): Promise<Json> {
    const s = this.#base(mightBeUnavailable);
    omitEmpty(s, 'currentLsn', row.currentLsn);
    omitEmpty(s, 'receivedLsn', row.receivedLsn);
    omitEmpty(s, 'replayLsn', row.replayLsn);
    s.systemID = row.systemId;
    s.isPrimary = row.isPrimary;
    s.replayPaused = row.replayPaused;
    s.pendingRestart = row.pendingRestart;
    s.pendingRestartForDecrease = row.pendingRestartForDecrease;
    s.isWalReceiverActive = row.walReceiverActive;
    omitEmpty(s, 'isArchivingWAL', row.isArchiving);
    omitEmpty(s, 'loadedConfigurationHash', row.configHash);
    omitEmpty(s, 'lastArchivedWAL', row.lastArchivedWal);
    omitEmpty(s, 'lastArchivedWALTime', row.lastArchivedTime);
    omitEmpty(s, 'lastFailedWAL', row.lastFailedWal);
    omitEmpty(s, 'lastFailedWALTime', row.lastFailedTime);
    omitEmpty(s, 'currentWAL', row.currentWal);
    if (row.isPrimary) omitEmpty(s, 'readyWalFiles', await readyWalFiles(this.#o.pgData));
    omitEmpty(s, 'timeLineID', row.timelineId);
    // CNPG quirk kept on purpose: the sent LSN is published under the name receivedLsn.
    omitEmpty(
      s,
      'replicationInfo',
      row.replication.map(({ sentLsn, ...r }) => ({
        applicationName: r.applicationName,
        state: r.state,
        receivedLsn: sentLsn,
        writeLsn: r.writeLsn,
        flushLsn: r.flushLsn,
        replayLsn: r.replayLsn,
        writeLag: r.writeLag,
        flushLag: r.flushLag,
        replayLag: r.replayLag,
        syncState: r.syncState,
        syncPriority: r.syncPriority,
      })),
    );
    omitEmpty(s, 'replicationSlotsInfo', row.slots);
    omitEmpty(s, 'pgStatBasebackupsInfo', row.basebackups);
    return s;
  }
}

// Ours, beside CNPG's fields: how full the PGDATA and WAL volumes are (`full` below one WAL segment free), in
// every answer, masked or not, since a full WAL volume is what keeps postgres down.
async function volumes(pgData: string): Promise<Json[]> {
  return (await readVolumeSpace(pgData)).map((v) => ({ ...describeSpace(v), full: v.freeBytes < WAL_SEGMENT_BYTES }));
}
