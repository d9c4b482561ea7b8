// The log levels of the manager's JSON lines (CNPG's names), for --log-level and the logger.

/** CNPG log levels; `warning` is pino's `warn`. */
export type LogLevel = 'error' | 'warning' | 'info' | 'debug' | 'trace';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'debug', 'trace'];
