// One base error class with a stable code; subclasses only where a caller branches on them.

/** Stable error codes; the CLI maps them to exit codes and one-line messages. */
export type ErrorCode =
  | 'USAGE'
  | 'INVALID_MANIFEST'
  | 'INVALID_SECRET'
  | 'PGDATA'
  | 'PORT_IN_USE'
  | 'POSTMASTER'
  | 'NO_WAL_SPACE'
  | 'BOOTSTRAP'
  | 'CONFIG_WRITE'
  | 'RELOAD'
  | 'TLS'
  | 'DB'
  | 'PRIVILEGES'
  | 'NOT_IMPLEMENTED'
  | 'KUBE'
  | 'BACKUP'
  | 'RECOVERY'
  | 'WAL_ARCHIVE'
  | 'INTERNAL';

/** Base class for every error the manager raises on purpose. */
export class ManagerError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManagerError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A Cluster manifest or a value in it is invalid; `path` names the bad field (e.g. spec.instances). */
export class ManifestError extends ManagerError {
  readonly path: string;

  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super('INVALID_MANIFEST', `${path}: ${message}`, options);
    this.name = 'ManifestError';
    this.path = path;
  }
}

/** Wraps an error with what we were doing, keeping the cause (e.g. "while writing pg_hba.conf"). */
export function wrap(code: ErrorCode, doing: string, cause: unknown): ManagerError {
  if (cause instanceof ManagerError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ManagerError(code, `${doing}: ${detail}`, { cause });
}

/** Short description of any thrown value, for a log field or a one-line CLI message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A part of `instance run` (or its bootstrap step) failed; `exitCode` says which (config/constants.ts EXIT.parts). */
export class PartFailedError extends ManagerError {
  readonly part: string;
  readonly exitCode: number;

  constructor(part: string, exitCode: number, cause: unknown) {
    super(cause instanceof ManagerError ? cause.code : 'INTERNAL', describeError(cause), { cause });
    this.name = 'PartFailedError';
    this.part = part;
    this.exitCode = exitCode;
  }
}
