// spec.bootstrap.initdb options that need a newer initdb than the one in PG_BIN, refused before initdb runs
// with the field and the versions named: otherwise initdb stops at its "unrecognized option" and the last
// line of its output is only "Try initdb --help". The versions are initdb.c's: --icu-rules since PostgreSQL 16
// (https://www.postgresql.org/docs/16/app-initdb.html), --builtin-locale and the builtin provider since 17.
// Image-volume extensions (spec.postgresql.extensions) need extension_control_path, PostgreSQL 18: a sample that
// names an 18 image is refused here when the binaries are older, instead of a postmaster that cannot start.
// So is synchronizeLogicalDecoding (sync_replication_slots, PostgreSQL 17), which the loader accepts when the
// image names 17: on older binaries postgres would stop at an unrecognized parameter, not naming the version.
import { ManagerError } from '../errors.js';
import type { InitdbSpec } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { runToCompletion } from '../supervisor/run-to-completion.js';
import { postgresEnv } from '../supervisor/spawn.js';

/** The first field (under spec.) the binaries of major `major` cannot apply, with the major it needs. */
export function unsupportedInitdbField(spec: InitdbSpec, major: number, extensions = false, logicalDecodingSync = false): { field: string; needs: number } | undefined {
  const needs: [string, boolean, number][] = [
    ['bootstrap.initdb.icuRules', spec.icuRules !== undefined, 16],
    ['bootstrap.initdb.builtinLocale', spec.builtinLocale !== undefined, 17],
    ['bootstrap.initdb.localeProvider', spec.localeProvider === 'builtin', 17],
    ['postgresql.extensions', extensions, 18],
    ['replicationSlots.highAvailability.synchronizeLogicalDecoding', logicalDecodingSync, 17],
  ];
  const found = needs.find(([, used, version]) => used && major < version);
  return found ? { field: found[0], needs: found[2] } : undefined;
}

/** `initdb --version`'s major ("initdb (PostgreSQL) 15.18" -> 15). */
async function initdbMajor(initdb: string, registry: ChildRegistry): Promise<number | undefined> {
  const result = await runToCompletion(initdb, ['--version'], { registry, timeoutMs: 30_000, errorCode: 'BOOTSTRAP', env: postgresEnv() });
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(result.stdout);
  return match ? Number(match[1]) : undefined;
}

/** Throws naming the field when `initdb` is too old for an option `spec` uses, or for `extensions` (asks initdb only then). */
export async function assertInitdbSupports(initdb: string, spec: InitdbSpec, registry: ChildRegistry, extensions = false, logicalDecodingSync = false): Promise<void> {
  if (unsupportedInitdbField(spec, 0, extensions, logicalDecodingSync) === undefined) return;
  const major = await initdbMajor(initdb, registry);
  const missing = major === undefined ? undefined : unsupportedInitdbField(spec, major, extensions, logicalDecodingSync);
  if (missing) {
    throw new ManagerError('BOOTSTRAP', `spec.${missing.field}: needs PostgreSQL ${missing.needs} or later, and ${initdb} is PostgreSQL ${String(major)}`);
  }
}
