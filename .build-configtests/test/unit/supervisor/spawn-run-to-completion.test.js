import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { runToCompletion } from '../../../src/supervisor/run-to-completion.js';
const registry = createChildRegistry();
test('captures stdout, stderr and a non-zero exit code', async () => {
    const result = await runToCompletion('sh', ['-c', 'echo out; echo err >&2; exit 3'], { registry, timeoutMs: 5000 });
    assert.deepEqual(result, { exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false });
    assert.equal(registry.size(), 0);
});
test('a timeout sends SIGTERM and reports timedOut', async () => {
    const started = Date.now();
    const result = await runToCompletion('sleep', ['30'], { registry, timeoutMs: 150 });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGTERM');
    assert.equal(result.exitCode, null);
    assert.ok(Date.now() - started < 2000);
});
test('a tool that ignores SIGTERM is SIGKILLed after the grace, even if a grandchild holds its pipes', async () => {
    const started = Date.now();
    // The ignored SIGTERM is inherited by `sleep`, which also keeps stdout open after sh is killed.
    const result = await runToCompletion('sh', ['-c', 'trap "" TERM; echo started; sleep 3; echo never'], {
        registry,
        timeoutMs: 150,
        killGraceMs: 150,
    });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.equal(result.stdout, 'started\n');
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
});
test('does not wait for a daemon the tool left holding stdout (like pg_ctl start)', async () => {
    const started = Date.now();
    const result = await runToCompletion('sh', ['-c', 'sleep 3 & echo launched'], { registry, timeoutMs: 5000 });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, 'launched\n');
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
});
test('output beyond maxOutputBytes keeps head and tail and drains the rest without blocking the tool', async () => {
    // 1 MB, far beyond a pipe buffer: if we stopped reading, the tool would block and time out.
    const script = 'echo BEGIN; head -c 1000000 /dev/zero | tr "\\0" x; echo; echo END >&1; exit 0';
    const result = await runToCompletion('sh', ['-c', script], { registry, timeoutMs: 10_000, maxOutputBytes: 1000 });
    assert.equal(result.timedOut, false);
    assert.equal(result.exitCode, 0);
    assert.equal(result.truncated, true);
    assert.ok(result.stdout.startsWith('BEGIN\nxxx'));
    assert.ok(result.stdout.endsWith('xxx\nEND\n'));
    assert.match(result.stdout, /\[\.\.\. \d+ bytes omitted \.\.\.\]/);
    assert.ok(result.stdout.length < 1100, `capped, got ${result.stdout.length} chars`);
});
test('an abort signal terminates the tool', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runToCompletion('sleep', ['30'], { registry, timeoutMs: 10_000, signal: controller.signal });
    assert.equal(result.signal, 'SIGTERM');
    assert.equal(result.timedOut, false);
});
//# sourceMappingURL=spawn-run-to-completion.test.js.map