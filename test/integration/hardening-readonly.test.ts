// The image's runtime properties without Docker: the built manager as PID 1 of a new PID namespace,
// as the non-root postgres user, on a read-only root where only PGDATA's volume, the controller folder
// (TMPDIR inside it) and /dev/shm are writable. It bootstraps, serves the status and metrics ports, shuts down
// cleanly, and strace sees no write-like syscall fail with EROFS anywhere in its process tree.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { managerEntry } from '../helpers/launch.js';
import { freePort, manifest, processesMentioning, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { namespaceInit, provisionSecrets, readOnlyViolations, sandboxPrefix, sandboxSkipReason } from '../helpers/hardening-sandbox.js';

function fetchText(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const done = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = url.startsWith('https:') ? httpsGet(url, { ca, timeout: 10_000 }, done) : httpGet(url, { timeout: 10_000 }, done);
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
  });
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

describe('hardening: PID 1, non-root, read-only root filesystem', { skip: sandboxSkipReason() }, () => {
  const handles: ManagerHandle[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const h of handles) await h.stop(5_000);
    for (const d of dirs) for (const pid of processesMentioning(d)) spawnSync('kill', ['-KILL', String(pid)]);
  });

  test('the sandbox itself: writes outside the allowed folders fail with EROFS, inside them they work', () => {
    const dir = tempDir('pgim-sbx-');
    dirs.push(dir);
    const allowed = join(dir, 'allowed');
    mkdirSync(allowed);
    chownSync(allowed, uidOf('postgres'), uidOf('postgres'));
    const probe = ['/', '/tmp', '/var/tmp', dir, '/var/lib/postgresql', allowed, '/dev/shm']
      .map((d) => `if touch ${d}/.pgim-probe-$$ 2>/dev/null; then echo "W ${d}"; rm -f ${d}/.pgim-probe-$$; else echo "- ${d}"; fi`)
      .join('; ');
    const argv = [...sandboxPrefix({ writable: [allowed, '/dev/shm'], user: 'postgres' }), 'sh', '-c', `echo "pid $$"; ${probe}`];
    const r = spawnSync(argv[0] ?? 'false', argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['pid 1', '- /', '- /tmp', '- /var/tmp', `- ${dir}`, '- /var/lib/postgresql', `W ${allowed}`, 'W /dev/shm']);
  });

  test('the trace catches a write outside that the program swallows', () => {
    const traceDir = tempDir('pgim-trace-');
    dirs.push(traceDir);
    const traceFile = join(traceDir, 'trace');
    const js = "try { require('fs').writeFileSync('/var/tmp/pgim-swallowed', 'x') } catch { /* ignored on purpose */ }";
    const argv = [...sandboxPrefix({ writable: ['/dev/shm'], user: 'postgres', traceFile }), process.execPath, '-e', js];
    const r = spawnSync(argv[0] ?? 'false', argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const violations = readOnlyViolations(readFileSync(traceFile, 'utf8'));
    assert.equal(violations.length, 1, violations.join('\n'));
    assert.match(violations[0] ?? '', /open(at)?\(.*"\/var\/tmp\/pgim-swallowed", O_WRONLY\|O_CREAT\|O_TRUNC.* = -1 EROFS/);
  });

  test('bootstraps, serves :8000 and :9187, stops cleanly, and writes nowhere else', { timeout: 180_000 }, async () => {
    const dir = tempDir('pgim-hard-');
    const traceDir = tempDir('pgim-trace-');
    dirs.push(dir, traceDir);
    const uid = uidOf('postgres');
    const [volume, controller, secrets, configmaps, state] = ['volume', 'controller', 'secrets', 'configmaps', 'state'].map((d) => join(dir, d)) as [string, string, string, string, string];
    for (const d of [volume, controller, configmaps, state]) mkdirSync(d, { mode: 0o755 });
    chownSync(volume, uid, uid);
    chownSync(controller, uid, uid);
    const manifestPath = join(dir, 'cluster.yaml');
    writeFileSync(manifestPath, manifest('h1'));
    const statusFile = join(controller, 'status.json');
    // What Kubernetes mounts read-only: the Secrets (here generated as the operator would).
    await provisionSecrets(manifestPath, secrets, configmaps, statusFile);
    chownTree(secrets, uid, uid);
    const before = readdirSync(dir).sort();
    const [statusPort, metricsPort] = [await freePort(), await freePort()];
    const traceFile = join(traceDir, 'trace');

    const h = await startManager({
      dir,
      prefix: sandboxPrefix({ writable: [volume, controller, '/dev/shm'], user: 'postgres', traceFile }),
      env: { TMPDIR: join(controller, 'tmp'), PGIM_CONTAINER: '1', HOME: '/var/lib/postgresql' },
      extraArgs: ['--pg-data', join(volume, 'pgdata'), '--controller-dir', controller, '--secrets-dir', secrets, '--configmaps-dir', configmaps,
        '--status-file', statusFile, '--status-port', String(statusPort), '--metrics-port', String(metricsPort)],
    });
    handles.push(h);
    await h.waitForLine((l) => l.msg === 'instance ready', 120_000, 'instance ready');

    const init = namespaceInit(h.proc.pid ?? -1);
    assert.ok(init, 'no PID 1 found in the new PID namespace');
    // PID 1 is Node running the manager's bundle.
    const entry = managerEntry();
    assert.deepEqual(readFileSync(`/proc/${init}/cmdline`, 'utf8').split('\0').slice(1, 1 + entry.length), entry);
    const uids = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${init}/status`, 'utf8'))?.[1]?.split(/\s+/).map(Number);
    assert.deepEqual(uids, [uid, uid, uid, uid], 'real, effective, saved and fs uid of PID 1');

    const ca = readFileSync(join(secrets, 'h1-ca', 'ca.crt'));
    for (const path of ['/healthz', '/readyz']) {
      const r = await fetchText(`https://127.0.0.1:${statusPort}${path}`, ca);
      assert.equal(r.status, 200, `${path}: ${r.body}`);
    }
    const metrics = await fetchText(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^cnpg_collector_up\{[^}]*\} 1$/m);
    assert.ok(existsSync(join(volume, 'pgdata', 'PG_VERSION')));
    assert.equal(statSync(join(volume, 'pgdata')).uid, uid);

    process.kill(init, 'SIGTERM');
    const exit = await h.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, h.stderr());
    assert.ok(h.lines.some((l) => l.msg === 'instance manager stopping'));
    assert.deepEqual(processesMentioning(dir), []);

    const trace = readFileSync(traceFile, 'utf8');
    assert.ok(trace.includes('ENOENT'), 'strace recorded nothing: the trace is not working');
    assert.deepEqual(readOnlyViolations(trace), [], 'writes outside PGDATA, the controller folder and /dev/shm');
    assert.deepEqual(readdirSync(dir).sort(), before);
    assert.deepEqual(readdirSync(state), []);
  });
});
