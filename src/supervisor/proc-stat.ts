// Reads /proc/<pid>/stat to find zombie children of a given parent, for the orphan reaper (proc(5)).
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the reaper needs. */
export interface ProcStat {
  pid: number;
  /** Executable name, up to 15 bytes; may contain spaces, parentheses and even newlines. */
  comm: string;
  /** One letter: R, S, D, Z (zombie), T, t, X, I... */
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot: with pid, identifies one process across pid reuse. */
  startTime: string;
}

/**
 * Parses one /proc/<pid>/stat line. comm is the only field that can hold spaces or ')', so the fields
 * after it start after the LAST ')' (a comm like "a) Z 1 (" would fool a split on the first one).
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open + 1) return null;
  const pid = Number(text.slice(0, open));
  // After ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime (field 22 overall, index 19 here).
  const rest = text.slice(close + 2).trimEnd().split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isInteger(pid) || pid <= 0 || state === undefined || state.length !== 1) return null;
  if (!Number.isInteger(ppid) || ppid < 0 || startTime === undefined || !/^\d+$/.test(startTime)) return null;
  return { pid, comm: text.slice(open + 2, close), state, ppid, startTime };
}

// One buffer reused for every read: a stat line is well under 1 KiB, and this avoids an fstat and an
// allocation per process (readFileSync does both), which matters when scanning hundreds of backends.
const statBuffer = Buffer.alloc(4096);

/** Reads and parses /proc/<pid>/stat; null when the process has gone (already reaped) or the text is odd. */
export function readProcStat(procRoot: string, pid: number): ProcStat | null {
  let fd: number;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- procRoot is /proc (or a test dir), pid is numeric
    fd = openSync(`${procRoot}/${pid}/stat`, 'r');
  } catch {
    return null; // ENOENT/ESRCH: the process vanished between readdir and open
  }
  try {
    const n = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return parseProcStat(statBuffer.toString('latin1', 0, n));
  } catch {
    return null; // ESRCH on read: the process was reaped while we read
  } finally {
    closeSync(fd);
  }
}

/** All zombies whose parent is `parentPid`: the candidates for waitpid. */
export function listZombieChildren(procRoot: string, parentPid: number): ProcStat[] {
  return listChildren(procRoot, parentPid).filter((s) => s.state === 'Z');
}

/** Every process (alive or zombie) whose parent is `parentPid`. */
export function listChildren(procRoot: string, parentPid: number): ProcStat[] {
  const children: ProcStat[] = [];
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- procRoot is /proc or a test dir
  for (const name of readdirSync(procRoot)) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue; // not a pid directory (self, sys, net...)
    const stat = readProcStat(procRoot, Number(name));
    if (stat !== null && stat.ppid === parentPid) children.push(stat);
  }
  return children;
}
