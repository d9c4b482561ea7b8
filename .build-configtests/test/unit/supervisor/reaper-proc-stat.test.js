import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listZombieChildren, parseProcStat, readProcStat } from '../../../src/supervisor/proc-stat.js';
// A real-shaped line: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
// utime stime cutime cstime priority nice threads itreal starttime vsize rss ...
function line(pid, comm, state, ppid, start = 4242) {
    return `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 ${start} 1000 10 18446744073709551615\n`;
}
test('parses a plain stat line', () => {
    assert.deepEqual(parseProcStat(line(123, 'postgres', 'S', 1)), {
        pid: 123,
        comm: 'postgres',
        state: 'S',
        ppid: 1,
        startTime: '4242',
    });
});
test('comm with spaces and parentheses is split at the last parenthesis', () => {
    const tricky = ['a b', 'x) Z 1 (y', '((()))', ')', 'evil) R 999', 'post master', 'new\nline', ''];
    for (const comm of tricky) {
        const stat = parseProcStat(line(77, comm, 'Z', 55));
        assert.ok(stat, `parsed ${JSON.stringify(comm)}`);
        assert.equal(stat.comm, comm);
        assert.equal(stat.state, 'Z');
        assert.equal(stat.ppid, 55);
        assert.equal(stat.startTime, '4242');
    }
});
test('malformed lines are rejected, not misread', () => {
    for (const bad of ['', 'garbage', '12 (x', '12 (x) Z', 'x (y) Z 1', '12 (x) ZZ 1 2', line(5, 'x', 'Z', 1).slice(0, 40)]) {
        assert.equal(parseProcStat(bad), null, JSON.stringify(bad));
    }
});
test('reads our own real /proc/self/stat', () => {
    const stat = readProcStat('/proc', process.pid);
    assert.ok(stat);
    assert.equal(stat.pid, process.pid);
    assert.equal(stat.ppid, process.ppid);
    assert.equal(stat.state, 'R');
    assert.equal(readProcStat('/proc', 2 ** 22 + 1), null, 'a pid that cannot exist');
});
test('lists only zombies whose parent is the given pid', () => {
    const root = mkdtempSync(join(tmpdir(), 'proc-'));
    try {
        const entries = [
            ['10', line(10, 'zombie) S 1 (child', 'Z', 1)],
            ['11', line(11, 'sleep', 'S', 1)],
            ['12', line(12, 'other parent', 'Z', 2)],
            ['13', line(13, 'postgres', 'Z', 1)],
        ];
        for (const [name, text] of entries) {
            mkdirSync(join(root, name));
            writeFileSync(join(root, name, 'stat'), text);
        }
        mkdirSync(join(root, 'self'));
        writeFileSync(join(root, 'self', 'stat'), line(1, 'init', 'Z', 1));
        mkdirSync(join(root, '14')); // vanished between readdir and open: no stat file
        const pids = listZombieChildren(root, 1).map((s) => [s.pid, s.comm]);
        assert.deepEqual(pids.sort(), [
            [10, 'zombie) S 1 (child'],
            [13, 'postgres'],
        ]);
    }
    finally {
        rmSync(root, { recursive: true, force: true });
    }
});
//# sourceMappingURL=reaper-proc-stat.test.js.map