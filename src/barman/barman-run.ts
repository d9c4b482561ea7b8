// Runs one barman-cloud tool through run-to-completion.ts (execa: timeout, cancelSignal, forceKillAfterDelay,
// maxBuffer), with the object store's credentials in its environment only: never in argv, never logged
// (CNPG passes them the same way, barman-cloud pkg/credentials/env.go). The environment is built from the
// Secrets the store names; a credential with no Secret is left to the manager's own environment (IAM roles).
import { ManagerError } from '../errors.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { failureReason, runToCompletion, type RunResult } from '../supervisor/run-to-completion.js';
import { inheritedEnv } from '../supervisor/spawn.js';
import type { SecretObject } from '../model/objects.js';
import type { CredentialEnv, ObjectStore } from './object-store.js';
import { caBundleEnv, readEndpointCa, type CaBundleVariable } from './endpoint-ca.js';

export type BarmanTool =
  | 'barman-cloud-backup' | 'barman-cloud-backup-show' | 'barman-cloud-backup-list' | 'barman-cloud-backup-delete'
  | 'barman-cloud-check-wal-archive' | 'barman-cloud-restore' | 'barman-cloud-wal-restore';

/** Reads a Secret by name (the spec source's getSecret). */
export type SecretReader = (name: string) => Promise<SecretObject | undefined>;

/**
 * The credential variables of `store`, read from its Secrets (a missing Secret or key is an error naming it),
 * and with endpointCA its CA bundle variable, the PEM written into `caDir` (endpoint-ca.ts).
 */
export async function credentialEnv(store: ObjectStore, getSecret: SecretReader, caDir: string): Promise<Partial<Record<CredentialEnv | CaBundleVariable, string>>> {
  const env: Partial<Record<CredentialEnv | CaBundleVariable, string>> = {};
  for (const [name, ref] of Object.entries(store.credentials) as [CredentialEnv, { name: string; key: string }][]) {
    const secret = await getSecret(ref.name);
     
    const value = secret?.data[ref.key];
    if (!value) throw new ManagerError('INVALID_SECRET', `object store credentials: Secret "${ref.name}" has no key "${ref.key}" (for ${name})`);
    env[name] = value.toString('utf8'); // eslint-disable-line security/detect-object-injection -- fixed names
  }
  if (store.cloudProvider === 'aws-s3' && env.AWS_DEFAULT_REGION === undefined && process.env.AWS_DEFAULT_REGION === undefined) env.AWS_DEFAULT_REGION = 'us-east-1';
  if (store.endpointCA) Object.assign(env, await caBundleEnv(await readEndpointCa(store.endpointCA, getSecret), store.cloudProvider, caDir));
  return env;
}

export interface BarmanRunOptions {
  registry: ChildRegistry;
  /** Credentials and extra variables (PGHOST...), merged over the manager's environment without PG*. */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** barman-cloud-* directory (default /usr/bin, where Debian's barman-cli-cloud puts them). */
  binDir?: string;
}

/** A barman tool that failed: its exit code (barman's 1 not found, 2 connectivity, 3 bad arguments, 4 general) and last stderr line. */
export class BarmanError extends ManagerError {
  readonly exitCode: number | null;
  constructor(tool: BarmanTool, result: RunResult) {
    const { why, lastLine } = failureReason(result);
    super('BACKUP', `${tool} failed (${why})${lastLine ? `: ${lastLine}` : ''}`);
    this.name = 'BarmanError';
    this.exitCode = result.exitCode;
  }
}

/** Runs `tool args`; resolves with stdout, rejects with BarmanError on anything but exit 0. */
export async function runBarman(tool: BarmanTool, args: readonly string[], o: BarmanRunOptions): Promise<string> {
  const env: Record<string, string> = inheritedEnv(Object.keys(process.env).filter((k) => /^PG[A-Z]/.test(k)));
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) env[k] = v; // eslint-disable-line security/detect-object-injection
  const result = await runToCompletion(`${o.binDir ?? process.env.BARMAN_BIN ?? '/usr/bin'}/${tool}`, args, {
    registry: o.registry,
    env,
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    maxOutputBytes: 16 * 1024 * 1024,
    errorCode: 'BACKUP',
  });
  if (result.exitCode !== 0) throw new BarmanError(tool, result);
  return result.stdout;
}
