// The local cluster's child keeper against a real child: an exit asked for (16) restarts at once, any other
// exit waits at least minRestartMs, and a stop sends one SIGTERM and resolves once the child has exited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { keepProcess } from '../../../src/supervisor/kept-process.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const CHILD = join(REPO_ROOT, 'test/fixtures/processes/kept-child.sh');

test('restarts at once on an asked-for exit, waits after a crash, stops with SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-kept-'));
  const control = join(dir, 'code');
  writeFileSync(control, '16');
  const lines: string[] = [];
  const exits: { code: number | null; restartInMs: number | undefined; at: number }[] = [];
  const stop = new AbortController();
  try {
    const kept = keepProcess(
      {
        name: 'child',
        file: CHILD,
        args: [control],
        registry: createChildRegistry(),
        onLine: (l) => {
          lines.push(l);
          if (lines.filter((x) => x.startsWith('started')).length === 4) setTimeout(() => stop.abort(), 300);
        },
        // The next child's exit code, written before it starts: 16 twice, then a crash (3), then it runs until stopped.
        onExit: (exit, restartInMs) => {
          exits.push({ code: exit.exitCode, restartInMs, at: Date.now() });
          if (exits.length === 2) writeFileSync(control, '3');
          if (exits.length === 3) writeFileSync(control, '');
        },
        restartAtOnce: [16],
        minRestartMs: 200,
      },
      stop.signal,
    );
    await kept;
    assert.deepEqual(exits.map((e) => e.code), [16, 16, 3, 0]);
    assert.deepEqual(exits.slice(0, 2).map((e) => e.restartInMs), [0, 0]);
    assert.ok((exits[2]?.restartInMs ?? 0) >= 200, 'a crash waits at least minRestartMs');
    assert.equal(exits[3]?.restartInMs, undefined, 'stopped, not restarted');
    assert.ok(lines.includes('terminated'), 'the child got SIGTERM');
  } finally {
    stop.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});
