// spec.fdws and spec.servers of a Database (CNPG api/v1/database_types.go FDWSpec, ServerSpec, OptionSpec,
// UsageSpec), with the checks of CNPG's admission webhook (internal/webhook/v1/database_webhook.go
// validateFDWs, validateForeignServers): names unique in their list, option and usage names unique in their
// object, and a present server's fdw declared in spec.fdws. The embedded default has no webhook to run them.
import { ManifestError } from '../errors.js';
import type { Fields } from './fields.js';
import { sqlIdentifier } from './sql-identifier.js';

type Ensure = 'present' | 'absent';

/** One entry of `options`: `OPTIONS (ADD|SET name 'value')` when present, `OPTIONS (DROP name)` when absent. */
export interface OptionSpec {
  name: string;
  value: string;
  ensure: Ensure;
}

/** One entry of `usage`: GRANT or REVOKE USAGE to a role (or PUBLIC). */
export interface UsageSpec {
  name: string;
  type: 'grant' | 'revoke';
}

/** A foreign data wrapper; handler/validator: a function name, or "-" for NO HANDLER / NO VALIDATOR. */
export interface FdwSpec {
  name: string;
  ensure: Ensure;
  handler?: string;
  validator?: string;
  owner?: string;
  options: OptionSpec[];
  usage: UsageSpec[];
}

/** A foreign server of a foreign data wrapper. */
export interface ServerSpec {
  name: string;
  ensure: Ensure;
  fdw: string;
  options: OptionSpec[];
  usage: UsageSpec[];
}

const ENSURE: readonly Ensure[] = ['present', 'absent'];
const FDW_KEYS: ReadonlySet<string> = new Set(['name', 'ensure', 'handler', 'validator', 'owner', 'options', 'usage']);
const SERVER_KEYS: ReadonlySet<string> = new Set(['name', 'ensure', 'fdw', 'options', 'usage']);

/** spec.fdws; [] when absent. */
export function fdwsFrom(s: Fields): FdwSpec[] {
  const list = s.objectList('fdws') ?? [];
  unique(list, 'name');
  return list.map((f) => {
    f.onlyKeys(FDW_KEYS);
    const fdw: FdwSpec = { name: name(f, 'name', true) ?? '', ensure: f.oneOf('ensure', ENSURE) ?? 'present', options: options(f), usage: usage(f) };
    // "-" is PostgreSQL's own spelling of "none" (NO HANDLER / NO VALIDATOR), as in CNPG.
    const handler = name(f, 'handler', false);
    const validator = name(f, 'validator', false);
    const owner = name(f, 'owner', false);
    if (handler !== undefined) fdw.handler = handler;
    if (validator !== undefined) fdw.validator = validator;
    if (owner !== undefined) fdw.owner = owner;
    return fdw;
  });
}

/** spec.servers; [] when absent. A present server must name a wrapper of `fdws` (CNPG validateServerFDWReference). */
export function serversFrom(s: Fields, fdws: readonly FdwSpec[]): ServerSpec[] {
  const list = s.objectList('servers') ?? [];
  unique(list, 'name');
  return list.map((f) => {
    f.onlyKeys(SERVER_KEYS);
    const server: ServerSpec = { name: name(f, 'name', true) ?? '', ensure: f.oneOf('ensure', ENSURE) ?? 'present', fdw: name(f, 'fdw', true) ?? '', options: options(f), usage: usage(f) };
    if (server.ensure === 'present' && !fdws.some((w) => w.name === server.fdw)) {
      throw new ManifestError(f.at('fdw'), `foreign data wrapper "${server.fdw}" is not declared in spec.fdws (declare it there, e.g. { name: ${server.fdw} } for an extension's wrapper)`);
    }
    return server;
  });
}

function options(f: Fields): OptionSpec[] {
  const list = f.objectList('options') ?? [];
  unique(list, 'name');
  return list.map((o) => {
    o.onlyKeys(new Set(['name', 'value', 'ensure']));
    const ensure = o.oneOf('ensure', ENSURE) ?? 'present';
    // The CRD requires value; an option to drop needs none, so it may be left out there.
    const value = ensure === 'present' ? requiredValue(o) : (o.string('value') ?? '');
    if (value.includes('\0')) throw new ManifestError(o.at('value'), 'must not contain a NUL character');
    return { name: name(o, 'name', true) ?? '', value, ensure };
  });
}

function requiredValue(o: Fields): string {
  const value = o.string('value');
  if (value === undefined) throw new ManifestError(o.at('value'), 'required');
  return value;
}

function usage(f: Fields): UsageSpec[] {
  const list = f.objectList('usage') ?? [];
  unique(list, 'name');
  return list.map((u) => {
    u.onlyKeys(new Set(['name', 'type']));
    return { name: name(u, 'name', true) ?? '', type: u.oneOf('type', ['grant', 'revoke'] as const) ?? 'grant' };
  });
}

const name = sqlIdentifier;

/** The webhook's field.Duplicate: the second entry of `list` whose `key` is already used is named. */
export function unique(list: readonly Fields[], key: string): void {
  const seen = new Set<string>();
  for (const item of list) {
    const value = item.get(key);
    if (typeof value !== 'string') continue;
    if (seen.has(value)) throw new ManifestError(item.at(key), `duplicate name "${value}"`);
    seen.add(value);
  }
}
