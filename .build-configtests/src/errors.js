// One base error class with a stable code; subclasses only where a caller branches on them.
/** Base class for every error the manager raises on purpose. */
export class ManagerError extends Error {
    code;
    retryable;
    constructor(code, message, options = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.name = 'ManagerError';
        this.code = code;
        this.retryable = options.retryable ?? false;
    }
}
/** A Cluster manifest or a value in it is invalid; `path` names the bad field (e.g. spec.instances). */
export class ManifestError extends ManagerError {
    path;
    constructor(path, message, options = {}) {
        super('INVALID_MANIFEST', `${path}: ${message}`, options);
        this.name = 'ManifestError';
        this.path = path;
    }
}
/** Wraps an error with what we were doing, keeping the cause (e.g. "while writing pg_hba.conf"). */
export function wrap(code, doing, cause) {
    if (cause instanceof ManagerError)
        return cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new ManagerError(code, `${doing}: ${detail}`, { cause });
}
/** Short description of any thrown value, for a log field or a one-line CLI message. */
export function describeError(err) {
    return err instanceof Error ? err.message : String(err);
}
//# sourceMappingURL=errors.js.map