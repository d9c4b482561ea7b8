// Started as root, the manager hands its folders to postgres. The state folder is postgres's, so postgres can
// replace a folder inside it with a symbolic link to something of root's; the next start as root must refuse
// it, and leave the link's target as it was (owner and mode), instead of chowning it to postgres.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, lchownSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, manifest, tempDir } from '../helpers/manager.js';
import { runManagerToExit } from '../helpers/config-cli.js';

const isRoot = process.getuid?.() === 0;
const id = (flag: '-u' | '-g'): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Setup {
  dir: string;
  stateDir: string;
  args: (extra?: string[], stateDir?: string) => Promise<string[]>;
}

/** A state folder left by an earlier start (postgres's), and a manifest; the pg-bin is missing so a start ends early. */
function setup(name: string): Setup {
  const dir = tempDir('pgim-symlink-');
  dirs.push(dir);
  const stateDir = join(dir, 'state');
  for (const d of [stateDir, join(stateDir, 'controller')]) {
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, id('-u'), id('-g'));
  }
  const manifestPath = join(dir, 'cluster.yaml');
  writeFileSync(manifestPath, manifest(name));
  const args = async (extra: string[] = [], state = stateDir): Promise<string[]> => [
    'instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', state, '--port', String(await freePort()),
    '--status-port', String(await freePort()), '--metrics-port', String(await freePort()), '--pg-bin', join(dir, 'no-such-bin'), ...extra,
  ];
  return { dir, stateDir, args };
}

/** A folder of root's, 0700, that postgres must never get. */
function rootFolder(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { mode: 0o700 });
  return path;
}

describe('hardening: symbolic links planted by postgres in the state folder', { skip: isRoot ? false : 'needs root' }, () => {
  for (const planted of ['controller', 'controller/tmp', 'controller/run', 'controller/log', 'controller/certificates', 'secrets']) {
    test(`${planted} -> a folder of root's: the start as root refuses, the target keeps owner and mode`, async () => {
      const s = setup(`sl${planted.length}`);
      const target = rootFolder(s.dir, 'etc-like');
      const link = join(s.stateDir, planted);
      rmSync(link, { recursive: true, force: true });
      if (dirname(planted) !== '.') mkdirSync(dirname(link), { recursive: true });
      symlinkSync(target, link);
      lchownSync(link, id('-u'), id('-g'));
      const r = await runManagerToExit(await s.args(), s.dir);
      assert.notEqual(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(`${link} is a symbolic link`), r.stderr);
      const info = statSync(target);
      assert.equal(info.uid, 0, 'the target was given away');
      assert.equal(info.mode & 0o7777, 0o700, 'the target\'s mode changed');
    });
  }

  test('an existing folder of root\'s outside the state folder is refused, not taken over', async () => {
    const s = setup('sl-out');
    const controller = rootFolder(s.dir, 'controller-elsewhere');
    const r = await runManagerToExit(await s.args(['--controller-dir', controller]), s.dir);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(`${controller} is owned by uid 0, not by postgres`), r.stderr);
    assert.equal(statSync(controller).uid, 0);
  });

  test('a link root made above the state folder is followed; the folders it reaches go to postgres', async () => {
    const s = setup('sl-ok');
    const real = join(s.dir, 'real');
    mkdirSync(real, { mode: 0o755 });
    const via = join(s.dir, 'via');
    symlinkSync(real, via);
    const r = await runManagerToExit(await s.args([], join(via, 'state')), s.dir);
    // It gets past the folders and fails on the missing postgres binaries instead.
    assert.doesNotMatch(r.stderr, /symbolic link|is owned by uid/, r.stderr);
    assert.equal(statSync(join(real, 'state', 'controller', 'tmp')).uid, id('-u'));
    assert.equal(statSync(join(real, 'state', 'controller', 'tmp')).mode & 0o7777, 0o1777);
  });
});
