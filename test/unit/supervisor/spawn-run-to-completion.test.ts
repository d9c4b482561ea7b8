import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { failureReason, runToCompletion } from '../../../src/supervisor/run-to-completion.js';

// This file compiles to <buildDir>/test/unit/supervisor/; the build dir differs per engineer and CI.
const buildDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const registry = createChildRegistry();

test('captures stdout, stderr and a non-zero exit code', async () => {
  const result = await runToCompletion('sh', ['-c', 'echo out; echo err >&2; exit 3'], { registry, timeoutMs: 5000 });
  assert.deepEqual(result, { exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, canceled: false, outputTooLarge: false, forceKilled: false });
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
  assert.equal(result.forceKilled, true);
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

test('output beyond maxOutputBytes stops the tool and says so (execa maxBuffer)', async () => {
  // 1 MB, far beyond a pipe buffer and the limit: the tool neither blocks nor runs on.
  const script = 'echo BEGIN; head -c 1000000 /dev/zero | tr "\\0" x; echo; echo END; exit 0';
  const result = await runToCompletion('sh', ['-c', script], { registry, timeoutMs: 10_000, maxOutputBytes: 1000 });
  assert.equal(result.timedOut, false);
  assert.equal(result.outputTooLarge, true);
  assert.notEqual(result.exitCode, 0);
  assert.ok(result.stdout.startsWith('BEGIN\nxxx'));
  assert.ok(result.stdout.length <= 1000, `capped, got ${result.stdout.length} chars`);
  assert.equal(failureReason(result).why, 'output over the limit');
});

test('an abort signal terminates the tool', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const result = await runToCompletion('sleep', ['30'], { registry, timeoutMs: 10_000, signal: controller.signal });
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.timedOut, false);
  assert.equal(result.canceled, true);
  assert.equal(failureReason(result).why, 'interrupted');
});

test('a tool still running when the manager exits is ended with it (execa cleanup)', async () => {
  // A stand-in manager: starts a tool through runToCompletion, prints its pid, and exits while it runs.
  const script = `
    const { createChildRegistry } = await import(${JSON.stringify(pathToFileURL(`${buildDir}/src/supervisor/child-registry.js`).href)});
    const { runToCompletion } = await import(${JSON.stringify(pathToFileURL(`${buildDir}/src/supervisor/run-to-completion.js`).href)});
    const registry = createChildRegistry();
    void runToCompletion('sleep', ['30'], { registry, timeoutMs: 60_000 });
    const timer = setInterval(() => {
      if (registry.size() === 0) return;
      clearInterval(timer);
      process.stdout.write(String([...Array(1 << 22).keys()].find((pid) => registry.has(pid))) + '\\n');
      process.exit(0);
    }, 5);`;
  const manager = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  manager.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await once(manager, 'exit');
  const pid = Number(out.trim());
  assert.ok(pid > 0, `tool pid printed, got '${out}'`);
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(alive(pid), false, `sleep ${pid} outlived the manager`);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
