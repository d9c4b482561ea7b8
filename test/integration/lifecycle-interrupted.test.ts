// A first start interrupted at any moment never strands the user: SIGINT (Ctrl-C) or SIGTERM to the manager
// alone at ten points of the first start, and the next start reaches "instance ready" with the application
// database and its owner, without anything deleted by hand.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitNoneMentioning } from '../helpers/lifecycle-procs.js';
import { ownerQuery } from '../helpers/lifecycle-writer.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';
const msg = (text: string) => (l: LogLine): boolean => l.msg === text;

// In the order a first start logs them.
const POINTS: [string, (l: LogLine) => boolean][] = [
  ['during initdb', msg('initdb started')],
  ['after initdb, before the spawn', msg('initdb finished')],
  ['right after the postmaster\'s spawn', msg('postmaster started')],
  ['as postgres accepts connections', (l) => l.logger === 'postgres' && JSON.stringify(l).includes('ready to accept connections')],
  ['after the bootstrap SQL, during the sync', msg('application database and owner created')],
  ['after the sync', msg('new PGDATA synced to disk')],
  ['while the passwords are applied', (l) => l.msg === 'password applied from secret'],
  ['at the bootstrap\'s end', msg('bootstrap complete')],
  ['while the servers start', msg('status server listening')],
  ['just before ready', (l) => l.msg === 'Installed password file' || READY(l)],
];

describe('lifecycle: an interrupted first start', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  for (const [i, [where, point]] of POINTS.entries()) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`${signal} ${where}: the next start is ready with the database and owner`, async () => {
        const dir = tempDir('pgim-interrupt-');
        dirs.push(dir);
        const first = await startManager({ dir });
        handles.push(first);
        await first.waitForLine(point, 60_000, `point ${i + 1}: ${where}`);
        first.proc.kill(signal);
        const exit = await Promise.race([first.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 30_000).unref())]);
        assert.notEqual(exit, 'late', `the manager did not exit within 30 s of ${signal}`);
        assert.deepEqual(await waitNoneMentioning(dir, 5000), [], 'no process of the first start is left');

        const second = await startManager({ dir, port: first.port });
        handles.push(second);
        await second.waitForLine(READY, 60_000, 'instance ready on the next start');
        const who = await ownerQuery<{ current_user: string; current_database: string }>(second, 'SELECT current_user, current_database()');
        assert.deepEqual(who.rows, [{ current_user: 'app', current_database: 'app' }]);
        assert.equal(second.lines.some((l) => l.level === 'error' || l.level === 'fatal'), false, JSON.stringify(second.lines.filter((l) => l.level === 'error')));
        assert.equal((await second.stop(30_000)).code, 0);
      });
    }
  }
});
