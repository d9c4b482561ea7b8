// Names that become paths (Secret names and keys, external server names) must be one path component.
import { ManagerError } from '../errors.js';

/**
 * Throws unless `value` is safe as one path component (a server name, a Secret name or key used to build
 * /controller/external/<server>/...): not empty, not `.` or `..`, no `/` or `\`. The message never
 * includes the value.
 */
export function assertPathComponent(value: string): void {
  const bad = value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value);
  if (bad) {
    throw new ManagerError('INVALID_MANIFEST', 'value cannot be used as a filesystem path component');
  }
}
