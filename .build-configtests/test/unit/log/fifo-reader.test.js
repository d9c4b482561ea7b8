import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { openFifoStream } from '../../../src/log/fifo-reader.js';
import { captureLogger } from './capture-logger.js';
const run = promisify(execFile);
const openFds = () => readdirSync('/proc/self/fd').length;
function tempDir(t) {
    const dir = mkdtempSync(join(tmpdir(), 'fifo-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}
function collect(stream) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    return { text: () => Buffer.concat(chunks).toString('utf8') };
}
async function until(pred, timeoutMs = 5000) {
    const start = Date.now();
    while (!pred()) {
        if (Date.now() - start > timeoutMs)
            throw new Error('timed out');
        await new Promise((r) => setImmediate(r));
    }
}
test('creates the FIFO (0600, dir 0700) and reads what several writers send, without EOF between them', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'log', 'postgres.csv');
    const ac = new AbortController();
    const fdsBefore = openFds();
    const stream = await openFifoStream(path, { signal: ac.signal });
    assert.equal(statSync(path).isFIFO(), true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'log')).mode & 0o777, 0o700);
    let ended = false;
    stream.on('end', () => (ended = true));
    const got = collect(stream);
    const src = join(dir, 'src.txt');
    writeFileSync(src, 'first writer\n');
    // Each `cat` opens, writes and closes the FIFO: a postmaster restart looks like this.
    await run('sh', ['-c', `cat "${src}" > "${path}"`]);
    await run('sh', ['-c', `printf 'second writer\\n' > "${path}"`]);
    await until(() => got.text() === 'first writer\nsecond writer\n');
    assert.equal(ended, false);
    const closed = once(stream, 'close');
    ac.abort();
    await closed;
    assert.equal(openFds(), fdsBefore, 'the FIFO fd is closed');
});
test('replaces a non-FIFO entry at the path, with a warning', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'postgres');
    writeFileSync(file, 'stale');
    const sub = join(dir, 'postgres.json');
    mkdirSync(join(sub, 'nested'), { recursive: true });
    const cap = captureLogger();
    const ac = new AbortController();
    const s1 = await openFifoStream(file, { logger: cap.root, signal: ac.signal });
    const s2 = await openFifoStream(sub, { logger: cap.root, signal: ac.signal });
    assert.equal(lstatSync(file).isFIFO(), true);
    assert.equal(lstatSync(sub).isFIFO(), true);
    const warnings = cap.entries().filter((e) => e.level === 'warning');
    assert.deepEqual(warnings.map((w) => w.path), [file, sub]);
    const closed = Promise.all([once(s1, 'close'), once(s2, 'close')]);
    ac.abort();
    await closed;
});
test('an existing FIFO is reused, and an already-aborted signal rejects before opening', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'p');
    await run('mkfifo', [path]);
    const ac = new AbortController();
    const s = await openFifoStream(path, { signal: ac.signal });
    const ino = statSync(path).ino;
    const closed = once(s, 'close');
    ac.abort();
    await closed;
    const s2 = await openFifoStream(path);
    assert.equal(statSync(path).ino, ino);
    s2.destroy();
    await assert.rejects(openFifoStream(path, { signal: AbortSignal.abort() }), { name: 'AbortError' });
});
//# sourceMappingURL=fifo-reader.test.js.map