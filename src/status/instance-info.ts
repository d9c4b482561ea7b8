// What /pg/status says about the manager itself: version, executable hash, architecture (Go's names).
import { createHash } from 'node:crypto';
import { packagePath } from '../config/package-root.js';
import { readFileSync } from 'node:fs';

export interface InstanceInfo {
  instanceManagerVersion: string;
  executableHash: string;
  instanceArch: string;
}

// Node's process.arch -> Go's GOARCH (runtime/internal/sys): the operator compares it with its own.
const GOARCH: ReadonlyMap<string, string> = new Map([
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
  ['ia32', '386'],
  ['arm', 'arm'],
  ['ppc64', 'ppc64le'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
]);

/** Go's GOARCH for a Node process.arch. */
export function goArch(arch: string): string {
  return GOARCH.get(arch) ?? arch;
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own package.json
    const parsed = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function fileSha256(path: string | undefined): string {
  if (!path) return '';
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the running main script (CNPG hashes os.Args[0])
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return '';
  }
}

let memo: InstanceInfo | undefined;

/** Computed once per process: the executable does not change under a running manager. */
export function instanceInfo(): InstanceInfo {
  memo ??= {
    instanceManagerVersion: packageVersion(),
    executableHash: fileSha256(process.argv[1]),
    instanceArch: goArch(process.arch),
  };
  return memo;
}
