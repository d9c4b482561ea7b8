// In the image (PGIM_CONTAINER=1, set by the Dockerfile) root is refused with one clear line before anything
// is written, as postgres refuses root; outside it the foundation's privilege drop still applies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN_JS, freePort, manifest, tempDir } from '../helpers/manager.js';

describe('hardening: root inside the image', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, () => {
  test('started as root with PGIM_CONTAINER=1: exit 1, a clear stderr line, nothing created', async () => {
    const dir = tempDir('pgim-root-');
    const manifestPath = join(dir, 'cluster.yaml');
    writeFileSync(manifestPath, manifest('r1'));
    const stateDir = join(dir, 'state');
    const r = spawnSync(process.execPath, [MAIN_JS, 'instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(await freePort())], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PGDATA: '', PGIM_CONTAINER: '1' },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^pg-instance-manager: refusing to run as root inside the container image: run it as uid 26 \(securityContext runAsUser: 26, runAsNonRoot: true\)$/m);
    assert.equal(existsSync(stateDir), false, `created: ${existsSync(stateDir) ? readdirSync(stateDir).join(', ') : ''}`);
  });

  test('PGIM_CONTAINER other than 1 does not count as the image (the root path drops privileges instead)', async () => {
    const dir = tempDir('pgim-root-');
    const manifestPath = join(dir, 'cluster.yaml');
    writeFileSync(manifestPath, manifest('r2'));
    // `instance init` with an unusable PG_BIN: fails after the privilege drop, not with the refusal.
    const r = spawnSync(process.execPath, [MAIN_JS, 'instance', 'init', '--cluster-manifest', manifestPath, '--state-dir', join(dir, 'state'), '--port', String(await freePort()), '--pg-bin', join(dir, 'no-such-bin')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PGDATA: '', PGIM_CONTAINER: '0' },
    });
    assert.doesNotMatch(r.stderr, /refusing to run as root/);
    assert.ok(existsSync(join(dir, 'state')), 'the root path prepares the state folder before dropping privileges');
  });
});
