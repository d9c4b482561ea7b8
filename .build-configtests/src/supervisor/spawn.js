// The one wrapper through which the manager spawns processes: argv arrays (no shell), and every pid goes
// into the ChildRegistry before anything can yield, so the orphan reaper never steals libuv's exit status.
import { execa } from 'execa';
import { ManagerError } from '../errors.js';
/** Spawns `file` with `args`, registered in `registry` until Node has seen it exit. */
export async function spawnProcess(file, args, opts) {
    const subprocess = execa(file, args, {
        env: opts.env,
        extendEnv: opts.env === undefined,
        cwd: opts.cwd,
        uid: opts.uid,
        gid: opts.gid,
        detached: opts.detached ?? false,
        stdin: opts.stdin ?? 'ignore',
        stdout: opts.stdout ?? 'pipe',
        stderr: opts.stderr ?? 'pipe',
        // Callers stream output themselves (log re-emitters, capped capture); a postmaster's output must never
        // accumulate in memory, and execa discards unread piped output rather than letting the child block.
        buffer: false,
        // Exit status is data (the caller branches on exitCode/signal), not an exception.
        reject: false,
        // Never SIGKILL behind the caller's back: a SIGKILLed postmaster leaves shared memory and orphaned
        // backends. Escalation is an explicit decision of the stop logic (smart -> fast -> immediate).
        forceKillAfterDelay: false,
        // No signal-exit hook: it would install its own SIGTERM/SIGINT handlers next to signals.ts and race our
        // shutdown sequence, and it cannot run on a crash anyway. As PID 1 our exit kills the whole PID
        // namespace; locally the stop logic terminates children before the manager exits.
        cleanup: false,
    });
    const pid = subprocess.pid;
    if (pid === undefined) {
        // Not started (ENOENT, EACCES, EPERM for uid...): nothing to register; execa reports why.
        const result = await subprocess;
        throw new ManagerError(opts.errorCode ?? 'INTERNAL', `could not start ${file}: ${result.shortMessage}`, {
            cause: result.cause ?? result,
        });
    }
    // Synchronously after the fork: no SIGCHLD-driven scan can run before this line.
    opts.registry.add(pid, file);
    const exited = new Promise((resolve) => {
        // 'exit' (not 'close') fires right after libuv's waitpid, even if a grandchild keeps our pipes open.
        subprocess.once('exit', (exitCode, signal) => {
            opts.registry.delete(pid);
            resolve({ exitCode, signal });
        });
    });
    return { pid, subprocess, exited };
}
//# sourceMappingURL=spawn.js.map