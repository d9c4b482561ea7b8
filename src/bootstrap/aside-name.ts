// The suffix of a folder moved aside before a bootstrap writes where it was: CNPG's "friendly timestamp"
// (pkg/fileutils FormatFriendlyTimestamp), `<path>_<YYYYMMDDHHMMSS>`.
import { isoTime } from '../log/iso-time.js';

/** `YYYYMMDDHHMMSS` of `now` in UTC. */
export function asideSuffix(now: Date = new Date()): string {
  return isoTime(now.getTime()).replace(/[-:T]/g, '').slice(0, 14);
}
