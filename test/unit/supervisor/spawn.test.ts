import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagerError } from '../../../src/errors.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { readProcStat } from '../../../src/supervisor/proc-stat.js';
import { runToCompletion } from '../../../src/supervisor/run-to-completion.js';
import { inheritedEnv, postgresEnv, spawnProcess } from '../../../src/supervisor/spawn.js';

test('a child is registered while alive and unregistered once Node has observed its exit', async () => {
  const registry = createChildRegistry();
  const child = await spawnProcess('sleep', ['5'], { registry, stdout: 'ignore', stderr: 'ignore' });
  assert.ok(registry.has(child.pid));
  assert.equal(registry.nameOf(child.pid), 'sleep');
  assert.equal(readProcStat('/proc', child.pid)?.ppid, process.pid, 'a direct child, no shell in between');
  assert.equal(child.subprocess.kill('SIGTERM'), true);
  assert.deepEqual(await child.exited, { exitCode: null, signal: 'SIGTERM' });
  assert.equal(registry.size(), 0);
  assert.equal(child.subprocess.kill('SIGTERM'), false, 'signalling after exit is a no-op, never a reused pid');
});

test('arguments are passed as argv, never through a shell', async () => {
  const registry = createChildRegistry();
  const weird = ['$HOME', '; rm -rf /', "it's", '"quoted"', 'a b', '*'];
  const result = await runToCompletion('printf', ['%s\\n', ...weird], { registry, timeoutMs: 5000 });
  assert.equal(result.stdout, weird.map((w) => `${w}\n`).join(''));
});

test('a program that cannot start throws a ManagerError with the chosen code and registers nothing', async () => {
  const registry = createChildRegistry();
  await assert.rejects(
    spawnProcess('/nonexistent/initdb', [], { registry, errorCode: 'BOOTSTRAP' }),
    (err: unknown) => err instanceof ManagerError && err.code === 'BOOTSTRAP' && /initdb.*ENOENT/.test(err.message),
  );
  assert.equal(registry.size(), 0);
});

test('env replaces (does not extend) ours, inheritedEnv drops what it is told to; cwd is honoured', async () => {
  process.env.REAPER_TEST_LEAK = 'leaked';
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'spawn-cwd-')));
  try {
    const result = await runToCompletion('/bin/sh', ['-c', 'echo "$FOO|$REAPER_TEST_LEAK|$(pwd)"'], {
      registry: createChildRegistry(),
      env: { FOO: 'bar', PATH: '/usr/bin:/bin' },
      cwd: dir,
      timeoutMs: 5000,
    });
    assert.equal(result.stdout, `bar||${dir}\n`);
    const inherited = await runToCompletion('/bin/sh', ['-c', 'echo "$REAPER_TEST_LEAK"'], {
      registry: createChildRegistry(),
      timeoutMs: 5000,
    });
    assert.equal(inherited.stdout, 'leaked\n', 'no env: the manager environment is inherited');
    const trimmed = await runToCompletion('/bin/sh', ['-c', 'echo "${REAPER_TEST_LEAK-unset}|${PATH:+path}"'], {
      registry: createChildRegistry(),
      env: inheritedEnv(['REAPER_TEST_LEAK']),
      timeoutMs: 5000,
    });
    assert.equal(trimmed.stdout, 'unset|path\n', 'inheritedEnv: ours without the dropped names');
  } finally {
    delete process.env.REAPER_TEST_LEAK;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('postgresEnv drops every PG* variable (libpq and server defaults), keeps PG_* and the rest, adds extra', () => {
  const cases: [string, boolean][] = [
    ['PGSSLMODE', false],
    ['PGHOST', false],
    ['PGPASSWORD', false],
    ['PGDATA', false],
    ['PGPORT', false],
    ['PGCLIENTENCODING', false],
    ['PG_COLOR', true],
    ['PGX', false],
    ['XPGHOST', true],
  ];
  for (const [name] of cases) Reflect.set(process.env, name, 'set');
  try {
    const env = postgresEnv({ PG_OOM_ADJUST_VALUE: '0' });
    for (const [name, kept] of cases) assert.equal(name in env, kept, name);
    assert.equal(env.PG_OOM_ADJUST_VALUE, '0');
    assert.equal(env.PATH, process.env.PATH);
  } finally {
    for (const [name] of cases) Reflect.deleteProperty(process.env, name);
  }
});

test('detached children lead their own process group', async () => {
  const registry = createChildRegistry();
  for (const detached of [true, false]) {
    const child = await spawnProcess('sleep', ['5'], { registry, detached, stdout: 'ignore', stderr: 'ignore' });
    // pgrp is the field right after ppid (proc(5)); readProcStat does not expose it.
    const text = readFileSync(`/proc/${child.pid}/stat`, 'latin1');
    const pgrp = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]);
    assert.equal(pgrp === child.pid, detached, `detached=${detached}`);
    child.subprocess.kill('SIGKILL');
    await child.exited;
  }
});

test('uid/gid run the child as another user', { skip: process.getuid?.() !== 0 && 'needs root to change uid' }, async () => {
  const result = await runToCompletion('id', ['-u', '-r'], {
    registry: createChildRegistry(),
    uid: 65534,
    gid: 65534,
    timeoutMs: 5000,
  });
  assert.equal(result.stdout, '65534\n');
  const group = await runToCompletion('id', ['-g'], { registry: createChildRegistry(), uid: 65534, gid: 65534, timeoutMs: 5000 });
  assert.equal(group.stdout, '65534\n');
});

test('runToCompletion reports execa\'s result fields and unregisters the tool', async () => {
  const registry = createChildRegistry();
  const r = await runToCompletion('/bin/sh', ['-c', 'printf out; printf err >&2; exit 3'], { registry, timeoutMs: 5000 });
  assert.deepEqual({ ...r }, { exitCode: 3, signal: null, stdout: 'out', stderr: 'err', timedOut: false, canceled: false, outputTooLarge: false, forceKilled: false });
  assert.equal(registry.size(), 0);
  const slow = await runToCompletion('sleep', ['5'], { registry, timeoutMs: 100 });
  assert.deepEqual([slow.timedOut, slow.signal], [true, 'SIGTERM']);
});
