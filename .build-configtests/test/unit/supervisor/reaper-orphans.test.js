// End-to-end: a driver process (test/fixtures/processes/reaper-driver.mjs) runs the compiled reaper as a
// child subreaper, or as real PID 1 under `unshare --pid --fork --mount-proc`, creates orphans (double
// fork; a SIGKILLed parent leaving its children) and reports the zombies left. Without the reaper the
// same scenario must leave zombies, so these tests can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { runToCompletion } from '../../../src/supervisor/run-to-completion.js';
// This file compiles to <buildDir>/test/unit/supervisor/; the build dir differs per engineer and CI.
const buildDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
function repoRoot() {
    for (let dir = buildDir; dir !== dirname(dir); dir = dirname(dir)) {
        if (existsSync(join(dir, 'package.json')))
            return dir;
    }
    throw new Error(`no package.json above ${buildDir}`);
}
const fixturesDir = join(repoRoot(), 'test/fixtures/processes');
const driver = join(fixturesDir, 'reaper-driver.mjs');
async function runDriver(prefix, config) {
    const args = [...prefix, process.execPath, driver, JSON.stringify({ buildDir, fixturesDir, ...config })];
    const [file, ...rest] = args;
    const result = await runToCompletion(file, rest, { registry: createChildRegistry(), timeoutMs: 20_000 });
    assert.equal(result.exitCode, 0, `driver failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
}
function assertHealthy(report) {
    assert.equal(report.orphans, 5, 'one double-fork orphan + four orphaned "backends"');
    assert.equal(report.killedParentSignal, 'SIGKILL');
    assert.deepEqual(report.exitCodes, new Array(20).fill(7), 'Node saw every exit status of its own children');
}
test('as a child subreaper: orphans are reaped, no zombie left, Node children keep exit codes', async () => {
    const report = await runDriver([], { reaper: true, subreaper: true });
    assertHealthy(report);
    assert.notEqual(report.pid, 1);
    assert.equal(report.zombies, 0);
    assert.equal(report.reaped, 5);
});
test('control: as a subreaper without the reaper, the orphans stay zombies', async () => {
    const report = await runDriver([], { reaper: false, subreaper: true });
    assertHealthy(report);
    assert.equal(report.zombies, 5);
});
// Real PID 1 needs a new PID namespace: root (or CAP_SYS_ADMIN) and an unshare that works here.
async function pidNamespaceUnavailable() {
    if (process.getuid?.() !== 0)
        return 'needs root to create a PID namespace (unshare --pid)';
    try {
        const probe = await runToCompletion('unshare', ['--pid', '--fork', '--mount-proc', 'true'], {
            registry: createChildRegistry(),
            timeoutMs: 10_000,
        });
        return probe.exitCode === 0 ? false : `unshare --pid --fork --mount-proc failed: ${probe.stderr.trim()}`;
    }
    catch (err) {
        return `unshare is not available: ${String(err)}`;
    }
}
const skipPid1 = await pidNamespaceUnavailable();
const unshare = ['unshare', '--pid', '--fork', '--mount-proc'];
test('as real PID 1: orphans are reaped, no zombie left, Node children keep exit codes', { skip: skipPid1 }, async () => {
    const report = await runDriver(unshare, { reaper: true, subreaper: false });
    assertHealthy(report);
    assert.equal(report.pid, 1);
    assert.equal(report.zombies, 0);
    assert.equal(report.reaped, 5);
});
test('control: as real PID 1 without the reaper, Node leaves the orphans as zombies', { skip: skipPid1 }, async () => {
    const report = await runDriver(unshare, { reaper: false, subreaper: false });
    assertHealthy(report);
    assert.equal(report.pid, 1);
    assert.equal(report.zombies, 5);
});
//# sourceMappingURL=reaper-orphans.test.js.map