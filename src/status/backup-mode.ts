// /pg/mode/backup: the online volume-snapshot backup held by the instance manager for the operator. POST opens
// a dedicated session and starts the backup in the background, GET reports its phase, PUT stops it on the same
// session and hands back the label file, tablespace map and LSNs. Bodies, phases and error codes are CNPG's
// (pkg/management/postgres/webserver/remote.go `backup`, backup_connection.go), quirks included: POST and PUT
// wrap the answer twice (`{"data":{"data":{...}}}`), and any request while another one or the background step
// runs gets 422 ANOTHER_REQUEST_IN_PROGRESS (the operator retries it after 5 s).
import type { BackupSession } from '../db/backup-session.js';
import type { Logger } from '../log/logger.js';

export type BackupPhase = 'starting' | 'started' | 'closing' | 'completed';

/** CNPG's BackupResultData; empty fields are left out (Go omitempty), the files are base64 ([]byte). */
export interface BackupResultData {
  beginLSN?: string;
  endLSN?: string;
  labelFile?: string;
  spcmapFile?: string;
  backupName?: string;
  phase?: BackupPhase;
}

/** An answer: HTTP status and the JSON body. */
export interface BackupModeAnswer {
  status: number;
  body: unknown;
}

export interface BackupModeOptions {
  open: () => Promise<BackupSession>;
  log: Logger;
  /** How often a held session is checked (CNPG: 1 minute). */
  janitorMs?: number;
  /** Kubernetes: the Backup object's state ('unknown' when it cannot be read now: nothing is closed then). */
  backupObject?: (name: string) => Promise<'gone' | 'done' | 'present' | 'unknown'>;
}

interface Current {
  data: BackupResultData;
  session: BackupSession;
  waitForArchive: boolean;
  fast: boolean;
  err?: string;
}

// Characters a replication slot name cannot hold become '_' (backup_connection.go).
const SLOT_INVALID = /[^a-z0-9_]/g;
const JANITOR_MS = 60_000;

const fail = (status: number, code: string, message = ''): BackupModeAnswer => ({ status, body: { error: { code, message } } });

/** The state machine behind /pg/mode/backup; one backup at a time. */
export class BackupMode {
  readonly #o: BackupModeOptions;
  #current: Current | undefined;
  // CNPG's ongoingBackupRequest mutex, taken with TryLock by requests and held by the background steps.
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  /** The running background step, for tests and shutdown. */
  settled: Promise<void> = Promise.resolve();

  constructor(options: BackupModeOptions) {
    this.#o = options;
  }

  /** One request: `body` is the raw request text (unused for GET). */
  async handle(method: 'GET' | 'POST' | 'PUT', body: string): Promise<BackupModeAnswer> {
    if (this.#busy) return fail(422, 'ANOTHER_REQUEST_IN_PROGRESS');
    this.#busy = true;
    let background = false;
    try {
      if (method === 'GET') return this.#get();
      const request = parseRequest(body);
      if (!request) return fail(400, 'FAILED_TO_PARSE_REQUEST', 'Failed to parse request body');
      const answer = method === 'POST' ? await this.#start(request) : await this.#stop(request);
      background = answer.background;
      return answer.answer;
    } finally {
      if (!background) this.#busy = false;
    }
  }

  #get(): BackupModeAnswer {
    const c = this.#current;
    if (!c) return { status: 200, body: { data: {} } };
    return { status: 200, body: { data: { ...c.data }, ...(c.err === undefined ? {} : { error: { code: 'BACKUP_STATUS_CONTAINS_ERROR', message: c.err } }) } };
  }

  async #start(r: BackupRequest): Promise<{ answer: BackupModeAnswer; background: boolean }> {
    // A new start replaces the previous backup, whatever its phase: closing its session aborts it.
    if (this.#current) {
      this.#o.log.debug({ backupName: this.#current.data.backupName }, 'closing the previous backup session');
      await this.#current.session.close();
      this.#current = undefined;
    }
    let session: BackupSession;
    try {
      session = await this.#o.open();
    } catch (err) {
      return { answer: fail(422, 'CANNOT_INITIALIZE_CONNECTION', message(err)), background: false };
    }
    const c: Current = { data: { backupName: r.backupName, phase: 'starting' }, session, waitForArchive: r.waitForArchive, fast: r.immediateCheckpoint };
    this.#current = c;
    const answer = { status: 200, body: { data: { data: { ...c.data } } } };
    this.settled = this.#background(() => this.#runStart(c));
    this.#armJanitor();
    return { answer, background: true };
  }

  async #runStart(c: Current): Promise<void> {
    const name = c.data.backupName ?? '';
    let step = 'while creating the replication slot';
    try {
      this.#o.log.info({ backupName: name, immediateCheckpoint: c.fast }, 'starting an online backup');
      await c.session.createSlot(name.replace(SLOT_INVALID, '_'));
      step = 'while scanning backup start';
      c.data.beginLSN = await c.session.start(name, c.fast);
      c.data.phase = 'started';
    } catch (err) {
      c.err = `${step}: ${message(err)}`;
      this.#o.log.error({ backupName: name, err: c.err }, 'encountered error while starting backup');
      await c.session.close();
    }
  }

  async #stop(r: BackupRequest): Promise<{ answer: BackupModeAnswer; background: boolean }> {
    const c = this.#current;
    if (!c) return { answer: fail(400, 'NO_ONGOING_BACKUP'), background: false };
    if (c.data.backupName !== r.backupName) return { answer: fail(422, 'NOT_CURRENT_RUNNING_BACKUP', `Phase is: ${c.data.phase ?? ''}`), background: false };
    if (c.err !== undefined) {
      await c.session.close();
      return { answer: fail(422, 'BACKUP_FAILED', c.err), background: false };
    }
    if (c.data.phase === 'closing') return { answer: { status: 200, body: { data: { data: { ...c.data } } } }, background: false };
    if (c.data.phase !== 'started') return { answer: fail(422, 'CANNOT_CLOSE_NOT_STARTED', `Phase is: ${c.data.phase ?? ''}`), background: false };
    c.data.phase = 'closing';
    const answer = { status: 200, body: { data: { data: { ...c.data } } } };
    this.settled = this.#background(() => this.#runStop(c));
    return { answer, background: true };
  }

  async #runStop(c: Current): Promise<void> {
    try {
      const stopped = await c.session.stop(c.waitForArchive);
      c.data.endLSN = stopped.lsn;
      if (stopped.labelFile !== '') c.data.labelFile = Buffer.from(stopped.labelFile).toString('base64');
      if (stopped.spcmapFile !== '') c.data.spcmapFile = Buffer.from(stopped.spcmapFile).toString('base64');
      c.data.phase = 'completed';
      this.#o.log.info({ backupName: c.data.backupName, beginLSN: c.data.beginLSN, endLSN: c.data.endLSN }, 'online backup stopped');
    } catch (err) {
      c.err = `while scanning backup stop: ${message(err)}`;
      this.#o.log.error({ backupName: c.data.backupName, err: c.err }, 'while stopping PostgreSQL physical backup');
    } finally {
      await c.session.close();
    }
  }

  // Runs a background step holding the request lock, as CNPG's goroutines hold ongoingBackupRequest.
  #background(step: () => Promise<void>): Promise<void> {
    this.#busy = true;
    return step().finally(() => {
      this.#busy = false;
    });
  }

  // Every janitorMs: a held session that errored, no longer answers, or whose Backup object is gone or done
  // is closed and the backup marked completed with its error (remote.go cleanupStaleCollections).
  #armJanitor(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#sweep(), this.#o.janitorMs ?? JANITOR_MS);
    this.#timer.unref();
  }

  async #sweep(): Promise<void> {
    const c = this.#current;
    if (!c || this.#busy || c.data.phase === 'completed' || !c.data.backupName) return;
    this.#busy = true;
    try {
      if (c.err === undefined) {
        try {
          await c.session.ping();
        } catch (err) {
          c.err = `error while pinging: ${message(err)}`;
        }
        const object = c.err === undefined ? await this.#o.backupObject?.(c.data.backupName).catch(() => 'unknown' as const) : undefined;
        if (object === 'gone') c.err = `backup ${c.data.backupName} not found`;
        else if (object === 'done') c.err = `backup ${c.data.backupName} is done`;
        if (c.err === undefined) return;
      }
      this.#o.log.warn({ backupName: c.data.backupName, phase: c.data.phase }, 'Closing stale PostgreSQL backup connection');
      await c.session.close();
      c.data.phase = 'completed';
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Before postgres stops (a smart shutdown waits for every session): ends the held session, which aborts a
   * running backup; GET then reports it with its error, and the operator's next POST starts afresh.
   */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const c = this.#current;
    if (!c) return;
    if (c.data.phase !== 'completed' && c.err === undefined) {
      c.err = 'the backup session was closed: postgres is stopping';
      this.#o.log.warn({ backupName: c.data.backupName, phase: c.data.phase }, 'postgres is stopping: the online backup session is closed and the backup aborted');
    }
    await c.session.close();
  }
}

interface BackupRequest {
  immediateCheckpoint: boolean;
  waitForArchive: boolean;
  backupName: string;
}

// Go's json.Decoder into StartBackupRequest/StopBackupRequest: unknown fields ignored, absent ones zero,
// a wrong type or no JSON value at all is an error.
function parseRequest(text: string): BackupRequest | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null) return { immediateCheckpoint: false, waitForArchive: false, backupName: '' };
  if (typeof v !== 'object' || Array.isArray(v)) return undefined;
  const { immediateCheckpoint, waitForArchive, backupName } = v as Record<string, unknown>;
  const typed = (x: unknown, t: 'boolean' | 'string'): boolean => x === undefined || x === null || typeof x === t;
  if (!typed(immediateCheckpoint, 'boolean') || !typed(waitForArchive, 'boolean') || !typed(backupName, 'string')) return undefined;
  return { immediateCheckpoint: immediateCheckpoint === true, waitForArchive: waitForArchive === true, backupName: typeof backupName === 'string' ? backupName : '' };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
