// A typed reader over one mapping of the parsed manifest: every accessor checks the type of one field and
// throws ManifestError with that field's JSON path, so validators read like the Cluster schema.
import { ManifestError } from '../errors.js';

/** Names the type of a parsed YAML/JSON value the way an error message should ("number", "list"...). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Date) return 'timestamp';
  if (value instanceof Uint8Array) return 'binary';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** True for a plain mapping (not a list, date or null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return describeType(value) === 'object';
}

/** Bounds of a Kubernetes int32 field. */
export const INT32_MAX = 2147483647;

/** Read access to one mapping, remembering its JSON path for error messages. */
export class Fields {
  readonly path: string;
  private readonly map: ReadonlyMap<string, unknown>;

  private constructor(path: string, value: Record<string, unknown>) {
    this.path = path;
    // Kubernetes decodes an explicit null like an absent field, so nulls are dropped here once.
    this.map = new Map(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
  }

  /** Wraps a required mapping; anything else throws naming `path`. */
  static of(value: unknown, path: string): Fields {
    if (!isMapping(value)) throw new ManifestError(path, `must be an object, got ${describeType(value)}`);
    return new Fields(path, value);
  }

  /** Wraps an optional mapping (undefined or null give undefined). */
  static optional(value: unknown, path: string): Fields | undefined {
    return value === undefined || value === null ? undefined : Fields.of(value, path);
  }

  /** JSON path of a key of this mapping. */
  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  /** True when the key is present and not null. */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The raw value of a key, unchecked. */
  get(key: string): unknown {
    return this.map.get(key);
  }

  /** The keys present (nulls dropped). */
  keys(): string[] {
    return [...this.map.keys()];
  }

  /** The key/value pairs present, in document order. */
  entries(): [string, unknown][] {
    return [...this.map.entries()];
  }

  /** Refuses keys outside `allowed`, so a typo never passes silently. */
  onlyKeys(allowed: ReadonlySet<string>): void {
    for (const key of this.map.keys()) {
      if (!allowed.has(key)) throw new ManifestError(this.at(key), 'unknown field (check the spelling)');
    }
  }

  /** The paths of the keys outside `allowed`, for a warning where refusing them would be stricter than Kubernetes. */
  unknownKeys(allowed: ReadonlySet<string>): string[] {
    return [...this.map.keys()].filter((key) => !allowed.has(key)).map((key) => this.at(key));
  }

  /** A nested optional mapping. */
  child(key: string): Fields | undefined {
    return Fields.optional(this.map.get(key), this.at(key));
  }

  /** An optional string; `nonEmpty` also refuses "". */
  string(key: string, opts: { nonEmpty?: boolean } = {}): string | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    return checkString(value, this.at(key), opts.nonEmpty ?? false);
  }

  /** A required non-empty string. */
  requiredString(key: string): string {
    const value = this.string(key, { nonEmpty: true });
    if (value === undefined) throw new ManifestError(this.at(key), 'required');
    return value;
  }

  /** An optional boolean (YAML 1.1: true/false/yes/no/on/off unquoted). */
  bool(key: string): boolean | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw new ManifestError(this.at(key), `must be a boolean, got ${describeType(value)}`);
    return value;
  }

  /** An optional integer within [min, max]. */
  int(key: string, min: number, max: number = INT32_MAX): number | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === INT32_MAX ? `>= ${min}` : `between ${min} and ${max}`;
      const got = typeof value === 'number' ? String(value) : describeType(value);
      throw new ManifestError(this.at(key), `must be an integer ${range}, got ${got}`);
    }
    return value;
  }

  /** An optional value out of a fixed set of strings. */
  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const found = values.find((v) => v === value);
    if (found === undefined) throw new ManifestError(this.at(key), `must be one of ${values.join(', ')}, got "${value}"`);
    return found;
  }

  /** An optional list of strings; each item is checked by `check` with its indexed path. */
  stringList(key: string, check?: (item: string, path: string) => void): string[] | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw new ManifestError(this.at(key), `must be a list of strings, got ${describeType(value)}`);
    return value.map((item: unknown, index) => {
      const path = `${this.at(key)}[${index}]`;
      const text = checkString(item, path, false);
      check?.(text, path);
      return text;
    });
  }

  /** An optional list of mappings, each wrapped with its indexed path. */
  objectList(key: string): Fields[] | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw new ManifestError(this.at(key), `must be a list, got ${describeType(value)}`);
    return value.map((item: unknown, index) => Fields.of(item, `${this.at(key)}[${index}]`));
  }

  /** Refuses a field the instance manager would have to act on but does not implement yet. */
  refuse(key: string, why: string): void {
    if (this.map.has(key)) throw new ManifestError(this.at(key), `not supported yet (${why})`);
  }
}

function checkString(value: unknown, path: string, nonEmpty: boolean): string {
  if (typeof value !== 'string') throw new ManifestError(path, `must be a string, got ${describeType(value)}`);
  if (nonEmpty && value === '') throw new ManifestError(path, 'must not be empty');
  return value;
}

/** Refuses NUL and line breaks: every value here ends up in a line-oriented PostgreSQL file or argv. */
export function checkSingleLine(value: string, path: string): void {
  if (value.includes('\0')) throw new ManifestError(path, 'must not contain a NUL character');
  if (/[\r\n]/.test(value)) throw new ManifestError(path, 'must not contain a line break');
}
