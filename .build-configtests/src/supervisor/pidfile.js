// postmaster.pid handling (cnpg pkg/management/postgres/pidfile.go): adopt a live postmaster, clean a stale file.
// Layout of the file: src/include/miscadmin.h, LOCK_FILE_LINE_* (line 1 pid, line 8 status).
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGDATA_FILES } from '../config/constants.js';
/** The postmaster status word on line 8 of postmaster.pid: starting, stopping, ready or standby. */
export async function readPmStatus(pgData) {
    try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/postmaster.pid
        const lines = (await readFile(join(pgData, PGDATA_FILES.pid), 'utf8')).split('\n');
        return lines[7]?.trim() || undefined;
    }
    catch {
        return undefined;
    }
}
/** The command name (comm) of a live process, undefined when it does not exist. */
export async function processName(pid) {
    try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc/<pid>/stat of a numeric pid
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        const open = stat.indexOf('(');
        const close = stat.lastIndexOf(')');
        if (stat.slice(close + 2, close + 3) === 'Z')
            return undefined;
        return stat.slice(open + 1, close);
    }
    catch {
        return undefined;
    }
}
/** Classifies PGDATA/postmaster.pid: absent, a live postgres to adopt, or stale (dead pid, pid reused, garbage). */
export async function inspectPidFile(pgData) {
    let text;
    try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/postmaster.pid
        text = await readFile(join(pgData, PGDATA_FILES.pid), 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return { kind: 'absent' };
        throw err;
    }
    const first = text.split('\n')[0]?.trim() ?? '';
    const pid = /^\d+$/.test(first) ? Number(first) : undefined;
    if (pid === undefined || pid <= 0)
        return { kind: 'stale', pid: undefined, reason: 'unparseable pid' };
    if (pid === process.pid)
        return { kind: 'stale', pid, reason: 'pid now belongs to the instance manager' };
    const name = await processName(pid);
    if (name === undefined)
        return { kind: 'stale', pid, reason: 'process is gone' };
    if (name !== 'postgres' && name !== 'postmaster')
        return { kind: 'stale', pid, reason: `pid reused by ${name}` };
    return { kind: 'live', pid };
}
/** Removes a stale postmaster.pid and the socket lock files, so postgres starts cleanly (CNPG empties /controller/run). */
export async function cleanStalePidFile(pgData, socketDir) {
    await rm(join(pgData, PGDATA_FILES.pid), { force: true });
    let entries = [];
    try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- the socket directory we own
        entries = await readdir(socketDir);
    }
    catch {
        return;
    }
    for (const entry of entries.filter((e) => e.startsWith('.s.PGSQL.'))) {
        await rm(join(socketDir, entry), { force: true });
    }
}
//# sourceMappingURL=pidfile.js.map