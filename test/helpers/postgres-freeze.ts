// Freezing postgres as a stuck volume does: SIGSTOP on the postmaster and every child, SIGCONT to thaw.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Every postgres child calls setsid() (InitPostmasterChild), so the postmaster's group is not enough.
function postgresProcesses(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Sends `signal` to each pid, ignoring the ones already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** Stops the postmaster of `<stateDir>/pgdata` and its children (children first, so it cannot fork another); returns them. */
export function freezePostgres(stateDir: string): number[] {
  const pid = Number(readFileSync(join(stateDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const frozen = postgresProcesses(pid);
  signalAll([...frozen].reverse(), 'SIGSTOP');
  return frozen;
}
