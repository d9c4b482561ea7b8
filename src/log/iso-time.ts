// RFC 3339 UTC timestamps ("2026-12-02T21:47:45.002Z", as Date.prototype.toISOString) computed from the epoch
// milliseconds with integer arithmetic. Date.prototype.toISOString, even for UTC, makes V8 set up its date cache
// with an ICU time zone the first time: ~0.7 MiB more resident (ICU data and code) for the life of the manager,
// which writes a timestamp on every log line and never needs a local time.

const MS_PER_DAY = 86_400_000;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_SHIFT_DAYS = 719_468;
const DAYS_PER_ERA = 146_097;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The ISO string of `ms` since the epoch, for years 0000-9999; RangeError outside, as for an invalid Date. */
export function isoTime(ms: number = Date.now()): string {
  if (!Number.isFinite(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) {
    throw new RangeError(`isoTime: ${String(ms)} is not a time between years 0000 and 9999`);
  }
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  // Civil date from a day count (H. Hinnant, "chrono-compatible low-level date algorithms"): eras of 400
  // years starting on March 1st, so the leap day is the last day of a year.
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / DAYS_PER_ERA);
  const dayOfEra = z - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}Z`;
}
