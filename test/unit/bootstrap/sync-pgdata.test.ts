// The background sync of a new PGDATA (initdb --sync-only): a failed fsync fails the bootstrap with a message
// that names PGDATA and initdb's own last line; lines about files removed meanwhile are logged, not fatal.
// `initdb` here is a fake program in a temporary pgBin, so the failure paths are real exits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDataDirectorySync } from '../../../src/bootstrap/sync-pgdata.js';
import { namedLogger } from '../../../src/log/logger.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { ManagerError } from '../../../src/errors.js';
import { captureLogger } from '../log/capture-logger.js';

function fakePgBin(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-sync-'));
  writeFileSync(join(dir, 'initdb'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return dir;
}

describe('new PGDATA sync', () => {
  test('a failed fsync fails with PGDATA and initdb\'s reason in the message', async () => {
    const pgBin = fakePgBin(`echo "syncing data to disk ... "; echo "initdb: error: could not fsync file \\"$3/base/1/1259\\": Input/output error" >&2; exit 1`);
    const { root } = captureLogger();
    try {
      const done = startDataDirectorySync({ pgBin, pgData: '/data/pgdata', registry: createChildRegistry(), log: namedLogger(root, 'initdb') });
      await assert.rejects(done, (err: unknown) => {
        assert.ok(err instanceof ManagerError);
        assert.equal(err.code, 'BOOTSTRAP');
        assert.match(err.message, /^syncing the new PGDATA \/data\/pgdata to disk failed \(initdb --sync-only: exit code 1\): initdb: error: could not fsync file "\/data\/pgdata\/base\/1\/1259": Input\/output error$/);
        return true;
      });
    } finally {
      rmSync(pgBin, { recursive: true, force: true });
    }
  });

  test('passes --sync-only and PGDATA; a file gone meanwhile is logged and the sync still succeeds', async () => {
    const pgBin = fakePgBin(`[ "$1 $2 $3" = "--sync-only -D /data/pgdata" ] || { echo "unexpected argv: $*" >&2; exit 3; }
echo "initdb: error: could not open file \\"$3/pg_stat_tmp/global.tmp\\": No such file or directory" >&2; echo ok`);
    const captured = captureLogger();
    try {
      await startDataDirectorySync({ pgBin, pgData: '/data/pgdata', registry: createChildRegistry(), log: namedLogger(captured.root, 'initdb') });
      const msgs = captured.entries().map((e) => e.msg);
      assert.ok(msgs.some((m) => String(m).includes('could not open file "/data/pgdata/pg_stat_tmp/global.tmp"')), 'the stderr line is logged');
      assert.equal(msgs.at(-1), 'new PGDATA synced to disk');
    } finally {
      rmSync(pgBin, { recursive: true, force: true });
    }
  });

  test('a rejection nobody awaits yet is not an unhandled rejection', async () => {
    const pgBin = fakePgBin('exit 1');
    const { root } = captureLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const done = startDataDirectorySync({ pgBin, pgData: '/data/pgdata', registry: createChildRegistry(), log: namedLogger(root, 'initdb') });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(unhandled, []);
      await assert.rejects(done, /exit code 1/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      rmSync(pgBin, { recursive: true, force: true });
    }
  });
});
