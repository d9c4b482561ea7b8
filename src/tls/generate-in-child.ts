// Certificate generation in a short-lived child process (dist/.../generate-child.js, run by this Node).
// Loading @peculiar/x509 (asn1js, tsyringe, reflect-metadata...) into the manager would keep about 7 MB of
// heap and code for its whole life; a worker thread still leaves ~4 MB (its arena and touched code pages).
// The child runs while initdb does, on the other core, so the first boot does not wait for it either.
// Private keys travel over the child's stdin/stdout pipes only: never argv, environment or a log line.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManagerError, type ErrorCode } from '../errors.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { runToCompletion } from '../supervisor/run-to-completion.js';
import { inheritedEnv } from '../supervisor/spawn.js';
import type { PemPair } from './generate.js';

/** What to make: the CA (an existing one to sign with, or the name of a new one) and the missing leaves. */
export interface GenerateRequest {
  ca: PemPair | { commonName: string };
  server?: { commonName: string; dnsNames: readonly string[]; ipAddresses: readonly string[] };
  client?: { commonName: string };
  days?: number;
}

/** `ca` only when a new CA was made. */
export type GenerateReply =
  | { ca?: PemPair; server?: PemPair; client?: PemPair; error?: undefined }
  | { error: { code: ErrorCode; message: string } };

const TIMEOUT_MS = 60_000;

/**
 * Left out of the child's environment. NODE_EXTRA_CA_CERTS makes Node read and parse a CA bundle before any
 * JavaScript runs (~50 ms per start for Debian's 144 certificates, on this project's machines); the
 * generator trusts no CA, it only signs.
 */
const GENERATOR_ENV_DROPPED = ['NODE_EXTRA_CA_CERTS'];

// Compiled (dist/src/tls/) the child entry sits next to this module; bundled, this module is in main.js
// or in chunks/ and the entry is dist/bundle/generate-child.js (scripts/bundle.mjs).
function childEntry(): string {
  const candidates = ['./generate-child.js', '../generate-child.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- two fixed paths inside our own package
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new ManagerError('TLS', `certificate generator not found (looked for ${candidates.join(', ')}): run npm run build`);
  return found;
}

/** Runs the generator child; rejects with a TLS ManagerError naming what failed. */
export async function generateInChild(request: GenerateRequest, registry: ChildRegistry): Promise<Exclude<GenerateReply, { error: object }>> {
  const result = await runToCompletion(process.execPath, [childEntry()], {
    registry,
    env: inheritedEnv(GENERATOR_ENV_DROPPED),
    input: JSON.stringify(request),
    timeoutMs: TIMEOUT_MS,
    killGraceMs: 1000,
    errorCode: 'TLS',
  });
  let reply: GenerateReply | undefined;
  try {
    reply = JSON.parse(result.stdout) as GenerateReply;
  } catch {
    reply = undefined;
  }
  if (reply?.error !== undefined) throw new ManagerError(reply.error.code, reply.error.message);
  if (result.exitCode !== 0 || reply === undefined) {
    const why = result.timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : `exited with ${result.signal ?? `code ${String(result.exitCode)}`}`;
    // A crashed Node prints the source line, a caret, the error and a stack: the error line says the most.
    const lines = result.stderr.trim().split('\n');
    const detail = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1) ?? '';
    throw new ManagerError('TLS', `certificate generator ${why}${detail ? `: ${detail}` : ''}`);
  }
  return reply;
}
