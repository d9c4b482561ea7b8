// The conninfo of an externalClusters entry (CNPG pkg/management/external/external.go
// GetServerConnectionString / ConfigureConnectionToServer): its connectionParameters as given, plus the files the
// manager writes for it under <controller>/external/<name>/ (reconcile/external-passfiles.ts): sslcert, sslkey and
// sslrootcert named `<secret>_<key>`, and `passfile` when a password Secret is set. Pure: data in, text out.
import { join } from 'node:path';
import { renderConninfo } from './replica-conf.js';

export interface ExternalConninfoInput {
  /** <controller>/external. */
  externalDir: string;
  name: string;
  connectionParameters: Readonly<Record<string, string>>;
  sslCert?: { name: string; key: string } | undefined;
  sslKey?: { name: string; key: string } | undefined;
  sslRootCert?: { name: string; key: string } | undefined;
  hasPassword: boolean;
  /** Replaces dbname (CNPG passes one for pg_basebackup and import), when set. */
  dbname?: string;
  /** Pairs appended last, replacing a parameter of the same name (application_name, connect_timeout, options). */
  extra?: ReadonlyArray<readonly [string, string]>;
}

/** `key=value` pairs of the external server; parameters sorted by name as CNPG's CreateConnectionString does. */
export function externalConninfo(input: ExternalConninfoInput): string {
  const params = new Map<string, string>(Object.entries(input.connectionParameters));
  const dir = join(input.externalDir, input.name);
  const file = (ref: { name: string; key: string }): string => join(dir, `${ref.name}_${ref.key}`);
  if (input.sslCert) params.set('sslcert', file(input.sslCert));
  if (input.sslKey) params.set('sslkey', file(input.sslKey));
  if (input.sslRootCert) params.set('sslrootcert', file(input.sslRootCert));
  if (input.hasPassword) params.set('passfile', join(dir, 'pgpass'));
  if (input.dbname !== undefined) params.set('dbname', input.dbname);
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const extra = input.extra ?? [];
  return renderConninfo([...sorted.filter(([k]) => !extra.some(([e]) => e === k)), ...extra]);
}
