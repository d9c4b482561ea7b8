// Turning PostgreSQL's text output into sample values and label values, by type OID, with CNPG's rules
// (postgresutils.DBToFloat64 / DBToString): numbers parse, booleans are 1/0, timestamps are unix seconds,
// NULL is NaN; a value that cannot be converted drops its sample.
import { parseGoDurationSeconds } from '../spec/go-duration.js';

// pg_type OIDs (src/include/catalog/pg_type.dat).
const OID = Object.freeze({
  bool: 16,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
});

/** A sample value from a column's text, or undefined when it cannot be converted (the sample is dropped). */
export function toSampleValue(text: string | null, typeId: number): number | undefined {
  if (text === null) return Number.NaN;
  switch (typeId) {
    case OID.bool:
      return text === 't' ? 1 : text === 'f' ? 0 : undefined;
    case OID.timestamp:
    case OID.timestamptz:
    case OID.date:
      return timestampSeconds(text);
    default:
      return parseNumber(text);
  }
}

/** A label value from a column's text (NULL is the empty string, booleans read true/false). */
export function toLabelValue(text: string | null, typeId: number): string {
  if (text === null) return '';
  if (typeId === OID.bool) return text === 't' ? 'true' : 'false';
  return text;
}

/** Go's strconv.ParseFloat accepted spellings, plus PostgreSQL's NaN/Infinity. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return Number.NaN;
  // eslint-disable-next-line security/detect-unsafe-regex -- anchored, no nested repetition
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

// eslint-disable-next-line security/detect-unsafe-regex -- anchored, fixed-width fields, optional groups only
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(\.\d+)?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** Unix seconds of an ISO-style timestamp/date as PostgreSQL prints it (DateStyle ISO); infinity is +/-Inf. */
export function timestampSeconds(text: string): number | undefined {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  let year = Number(m[1]);
  if (m[12] !== undefined) year = 1 - year; // 1 BC is year 0
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const fraction = m[7] !== undefined ? Number(`0${m[7]}`) : 0;
  const sign = m[8] === '-' ? -1 : 1;
  const offset = m[8] !== undefined ? sign * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) : 0;
  return ms / 1000 + fraction - offset;
}

/** DURATION columns: a Go duration string ("1.5s", "2h3m") in whole milliseconds; "-1" and bad text drop the sample. */
export function durationMilliseconds(text: string | null): number | undefined {
  if (text === null || text.trim() === '-1') return undefined;
  const seconds = parseGoDurationSeconds(text.trim());
  // Go: float64(d / time.Millisecond), an integer division of nanoseconds.
  return seconds === undefined ? undefined : Math.trunc(Math.round(seconds * 1e9) / 1e6);
}

/** A one-dimensional numeric array literal ("{1,2.5,3}"); undefined when it is not one. */
export function parseNumberArray(text: string | null): number[] | undefined {
  if (text === null) return undefined;
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  const inner = t.slice(1, -1).trim();
  if (inner === '') return [];
  const out: number[] = [];
  for (const part of inner.split(',')) {
    const n = parseNumber(part.replace(/^"|"$/g, ''));
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}
