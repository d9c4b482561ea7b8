// The one interface of the in-process object store clients (s3-store.ts, azure-store.ts): the WAL archiver and
// restorer put and get whole objects at barman-cloud's keys (wal-names.ts), and the backup runner lists the
// backup folders and reads their backup.info (barman/backup-info.ts), and never see which cloud holds them.

/** Where a WAL store call failed, mapped to barman-cloud-wal-restore's exit codes (1 not found, 2 connectivity, 4 other). */
export class StoreError extends Error {
  readonly kind: 'not-found' | 'connectivity' | 'other';
  constructor(kind: StoreError['kind'], message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }
}

/** The object operations WAL archiving and restore need. */
export interface ObjectStore {
  put(key: string, body: Buffer, opts?: { encryption?: string }): Promise<void>;
  /** The object's bytes; throws StoreError('not-found') when it does not exist. */
  get(key: string): Promise<Buffer>;
  /** The names of the "folders" right under `prefix` (which ends with '/'): a delimiter '/' listing, every page. */
  listFolders(prefix: string): Promise<string[]>;
  close(): void;
}

/** Network error codes that mean "the store is unreachable" (exit 2 of barman-cloud-wal-restore). */
export const CONNECTIVITY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'TimeoutError', 'RequestTimeout']);
