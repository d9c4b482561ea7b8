// Runs a short tool (pg_controldata, pg_ctl, initdb...) to completion with a timeout and capped output.
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { CappedOutput } from './capped-output.js';
import { spawnProcess } from './spawn.js';
// How long to keep reading after exit: a tool that started a daemon (pg_ctl start) may leave it holding
// our pipes, and we must not wait for that daemon to end.
const DRAIN_AFTER_EXIT_MS = 200;
function capture(stream, sink) {
    if (stream === null)
        return Promise.resolve();
    stream.on('data', (chunk) => sink.push(chunk));
    return once(stream, 'close').catch(() => undefined);
}
/** Runs `file args` and resolves with its exit status and output; rejects only if it cannot start. */
export async function runToCompletion(file, args, opts) {
    const { timeoutMs, killGraceMs = 5000, maxOutputBytes = 64 * 1024, signal, ...spawnOpts } = opts;
    const child = await spawnProcess(file, args, { ...spawnOpts, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const stdout = new CappedOutput(maxOutputBytes);
    const stderr = new CappedOutput(maxOutputBytes);
    const drained = Promise.all([capture(child.subprocess.stdout, stdout), capture(child.subprocess.stderr, stderr)]);
    let timedOut = false;
    let killTimer;
    const terminate = () => {
        if (killTimer !== undefined)
            return;
        child.subprocess.kill('SIGTERM');
        killTimer = setTimeout(() => child.subprocess.kill('SIGKILL'), killGraceMs);
    };
    const timer = setTimeout(() => {
        timedOut = true;
        terminate();
    }, timeoutMs);
    signal?.addEventListener('abort', terminate, { once: true });
    if (signal?.aborted === true)
        terminate();
    const exit = await child.exited;
    clearTimeout(timer);
    clearTimeout(killTimer);
    signal?.removeEventListener('abort', terminate);
    const settle = new AbortController();
    await Promise.race([drained, delay(DRAIN_AFTER_EXIT_MS, undefined, { signal: settle.signal }).catch(() => undefined)]);
    settle.abort();
    child.subprocess.stdout?.destroy();
    child.subprocess.stderr?.destroy();
    return {
        exitCode: exit.exitCode,
        signal: exit.signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
    };
}
//# sourceMappingURL=run-to-completion.js.map