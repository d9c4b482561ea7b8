// Started as root from a package the run-as user cannot read (a clone under /root, mode 0700): the manager
// loads parts of itself after dropping privileges (bundle chunks, the native addon, the monitoring queries,
// the certificate child), so it refuses first, naming what is unreadable and what to do, and writes nothing:
// no state folder, no postgres-owned folder inside the package.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort, manifest, tempDir } from '../helpers/manager.js';

/** A copy of the built package (what `npm run build` makes and the manager reads) inside `parent`. */
function copyPackage(parent: string): string {
  const pkg = join(parent, 'pkg');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(REPO_ROOT, 'dist', 'bundle'), join(pkg, 'dist', 'bundle'), { recursive: true });
  cpSync(join(REPO_ROOT, 'build', 'Release', 'os_calls.node'), join(pkg, 'build', 'Release', 'os_calls.node'));
  cpSync(join(REPO_ROOT, 'image', 'monitoring'), join(pkg, 'image', 'monitoring'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
  return pkg;
}

describe('hardening: root with an unreadable package', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, () => {
  const cleanup: string[] = [];
  after(() => {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  async function run(pkg: string): Promise<{ status: number | null; stderr: string; stateDir: string }> {
    const dir = tempDir('pgim-rootpkg-state-');
    cleanup.push(dir);
    const manifestPath = join(dir, 'cluster.yaml');
    writeFileSync(manifestPath, manifest('r1'));
    const stateDir = join(dir, 'state');
    const args = ['instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(await freePort()), '--status-port', String(await freePort()), '--metrics-port', String(await freePort())];
    const r = spawnSync(process.execPath, [join(pkg, 'dist', 'bundle', 'main.js'), ...args], { cwd: pkg, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PGDATA: '' } });
    return { status: r.status, stderr: r.stderr, stateDir };
  }

  test('a package inside a 0700 root folder: one line naming that folder, nothing written', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'pgim-rootpkg-'));
    cleanup.push(locked);
    chmodSync(locked, 0o700);
    const pkg = copyPackage(locked);
    const r = await run(pkg);
    assert.equal(r.status, 1, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.startsWith('pg-instance-manager: '));
    assert.ok(line?.startsWith(`pg-instance-manager: user postgres cannot read the manager's own files in ${pkg}: ${locked} is not searchable by it (mode 0700)`), r.stderr);
    assert.match(line ?? '', /put the package where postgres can read it.*Nothing was written$/);
    assert.doesNotMatch(r.stderr, /INTERNAL|package root/);
    assert.equal(existsSync(r.stateDir), false, 'no state folder');
    assert.deepEqual(readdirSync(pkg).sort(), ['build', 'dist', 'image', 'node_modules', 'package.json'], 'nothing created in the package');
  });

  test('one lazily loaded chunk unreadable (0600): the refusal names it, nothing written', async () => {
    const open = mkdtempSync(join(tmpdir(), 'pgim-rootpkg-'));
    cleanup.push(open);
    chmodSync(open, 0o755);
    const pkg = copyPackage(open);
    const chunks = join(pkg, 'dist', 'bundle', 'chunks');
    const chunk = readdirSync(chunks).find((f) => f.endsWith('.js'));
    assert.ok(chunk);
    chmodSync(join(chunks, chunk), 0o600);
    const r = await run(pkg);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /user postgres cannot read the manager's own files: /);
    assert.ok(r.stderr.includes(`${join(chunks, chunk)} (mode 0600)`), r.stderr);
    assert.equal(existsSync(r.stateDir), false, 'no state folder');
  });
});
