// The compile cache folder: private to our uid or not used at all (cached code runs as ours), and on a Node
// that has the cache, a real start fills it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCacheDir } from '../../../src/config/compile-cache.js';
import { MAIN_JS } from '../../helpers/manager.js';

const asRoot = process.getuid?.() === 0;
const postgres = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
const pgUid = postgres.status === 0 ? Number(postgres.stdout.trim()) : undefined;

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-cc-'));
  chmodSync(dir, 0o755);
  return dir;
}

test('made 0700; used only when the uid owns it; off for root, for PGIM_COMPILE_CACHE=off and without a uid', () => {
  const tmp = scratch();
  try {
    const me = process.getuid?.() ?? 4242;
    if (asRoot) {
      // Made by root for uid 4242 the folder is root's, so it is not used for 4242.
      assert.equal(compileCacheDir({}, 4242, tmp), undefined);
      assert.equal(statSync(join(tmp, 'pgim-compile-cache-4242')).mode & 0o777, 0o700);
    } else {
      assert.equal(compileCacheDir({}, me, tmp), join(tmp, `pgim-compile-cache-${me}`));
      assert.equal(statSync(join(tmp, `pgim-compile-cache-${me}`)).mode & 0o777, 0o700);
    }
    assert.equal(compileCacheDir({}, 0, tmp), undefined);
    assert.equal(compileCacheDir({ PGIM_COMPILE_CACHE: 'off' }, 4242, tmp), undefined);
    assert.equal(compileCacheDir({}, undefined, tmp), undefined);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a folder that is a symlink, owned by someone else or open to others is refused', { skip: !asRoot && 'needs root to chown' }, () => {
  const tmp = scratch();
  try {
    const uid = 4243;
    const target = join(tmp, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    chownSync(target, uid, uid);
    symlinkSync(target, join(tmp, `pgim-compile-cache-${uid}`));
    assert.equal(compileCacheDir({}, uid, tmp), undefined, 'symlink');

    const other = join(tmp, 'pgim-compile-cache-4244');
    mkdirSync(other, { mode: 0o700 });
    chownSync(other, 4245, 4245);
    assert.equal(compileCacheDir({}, 4244, tmp), undefined, 'owned by another uid');

    const open = join(tmp, 'pgim-compile-cache-4246');
    mkdirSync(open, { mode: 0o700 });
    chownSync(open, 4246, 4246);
    assert.equal(compileCacheDir({}, 4246, tmp), open, 'ours and 0700: used');
    chmodSync(open, 0o770);
    assert.equal(compileCacheDir({}, 4246, tmp), undefined, 'group-writable');
    chmodSync(open, 0o705);
    assert.equal(compileCacheDir({}, 4246, tmp), undefined, 'other-readable');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

const hasCache = typeof (module as unknown as { enableCompileCache?: unknown }).enableCompileCache === 'function';

test(
  'on a Node with the compile cache, a start as postgres fills its private folder',
  { skip: (!hasCache && `node ${process.version} has no compile cache`) || (!(asRoot && pgUid !== undefined) && 'needs root and a postgres user') },
  () => {
    const tmp = scratch();
    chmodSync(tmp, 0o1777); // like /tmp: postgres may create its folder here
    try {
      const run = spawnSync('runuser', ['-u', 'postgres', '--', process.execPath, MAIN_JS, '--help'], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const dir = join(tmp, `pgim-compile-cache-${String(pgUid)}`);
      const st = statSync(dir);
      assert.equal(st.uid, pgUid);
      assert.equal(st.mode & 0o777, 0o700);
      assert.ok(readdirSync(dir).length > 0, 'cache entries written');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);
