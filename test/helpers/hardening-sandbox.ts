// A container-like sandbox without Docker: a new PID namespace whose PID 1 is the command, a mount
// namespace where every mount is read-only except the allowed folders, and a non-root user with a passwd
// entry. Optionally traced by strace so that a write anywhere else shows up as a failed syscall (EROFS).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { FileSpecSource } from '../../src/source/file-source.js';
import { provisionIfLocal } from '../../src/commands/source-setup.js';
import { createRootLogger } from '../../src/log/logger.js';
import { createChildRegistry } from '../../src/supervisor/child-registry.js';

// Runs as the namespace's PID 1 until its final `exec`: bind each allowed folder onto itself (so it is a mount
// of its own and stays read-write), remount every other mount read-only, then exec the command, which keeps
// PID 1. `mount -n` does not touch /run/mount/utab (which would itself be a write to a read-only root).
const SANDBOX_SH = `set -eu
allowed=""
while [ "$1" != "--" ]; do allowed="$allowed $1"; mount -n --bind "$1" "$1"; shift; done
shift
for mp in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
  case "$mp" in /proc|/proc/*) continue ;; esac
  keep=no
  for a in $allowed; do [ "$mp" = "$a" ] && keep=yes; done
  [ "$keep" = yes ] && continue
  mount -n -o remount,bind,ro "$mp" 2>/dev/null || echo "sandbox: cannot make $mp read-only" >&2
done
exec "$@"`;

/** System calls that create, change or remove a file system entry (plus bind, which creates socket files). */
export const WRITE_SYSCALLS = 'trace=%file,fchmod,fchown,ftruncate,bind';

export interface SandboxOptions {
  /** Folders that stay writable (everything else is read-only). */
  writable: string[];
  /** The OS user the command runs as (needs a passwd entry: pg_ident maps its name). */
  user: string;
  /** Write failed write-like syscalls of the whole tree to this file (strace -f). */
  traceFile?: string;
}

/** The argv prefix that runs a command in the sandbox; append the command's own argv. */
export function sandboxPrefix(o: SandboxOptions): string[] {
  const trace = o.traceFile ? ['strace', '-f', '--seccomp-bpf', '-qq', '-e', WRITE_SYSCALLS, '-e', 'status=failed', '-o', o.traceFile] : [];
  return [
    ...trace,
    'unshare', '--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private', '--kill-child',
    'sh', '-c', SANDBOX_SH, 'sandbox', ...o.writable, '--',
    'setpriv', `--reuid=${o.user}`, `--regid=${o.user}`, '--init-groups',
  ];
}

/** Why the sandbox cannot run here, or false when it can. */
export function sandboxSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: unshare --mount --pid and setpriv';
  for (const tool of ['unshare', 'strace', 'setpriv', 'mount']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = spawnSync('unshare', ['--mount', '--pid', '--fork', '--mount-proc', 'sh', '-c', 'mount -n --bind / / && mount -n -o remount,bind,ro /'], { encoding: 'utf8' });
  if (probe.status !== 0) return `unshare --mount with a read-only remount does not work here: ${probe.stderr.trim()}`;
  if (spawnSync('id', ['postgres']).status !== 0) return 'no postgres OS user';
  return false;
}

/** Creates the CA, certificates and app credentials the file source needs, as the operator would (read-only later). */
export async function provisionSecrets(manifestPath: string, secretsDir: string, configmapsDir: string, statusFile: string): Promise<void> {
  const source = new FileSpecSource({ manifestPath, secretsDir, configmapsDir, statusFile });
  await provisionIfLocal(source, await source.load(), createRootLogger({ level: 'error' }), createChildRegistry());
}

/** The failed write-like syscalls of a trace that hit a read-only file system. */
export function readOnlyViolations(traceText: string): string[] {
  return traceText.split('\n').filter((l) => l.includes('EROFS'));
}

/** The host pid of the process that is PID 1 of a PID namespace below `ancestor` (NSpid ends in 1). */
export function namespaceInit(ancestor: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
      if (nspid.length < 2 || nspid[nspid.length - 1] !== '1') continue;
      let pid = Number(entry);
      for (let hops = 0; hops < 10 && pid > 1; hops++) {
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        if (ppid === ancestor) return Number(entry);
        pid = ppid;
      }
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
