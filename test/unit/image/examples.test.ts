// image/examples stays true to the code and the Dockerfile: the RBAC file is the `rbac` command's output, the
// pod runs CNPG's argv as the Dockerfile's uid with the seed's security context, the launcher execs Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { launchV8Flags } from '../../../src/config/launch-v8-flags.js';
import { compiledScript, repoRoot } from './repo-root.js';

const ROOT = repoRoot();
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const MAIN_JS = join(compiledScript('x'), '..', '..', 'bundle', 'main.js');
const IMAGE_V8_FLAGS = '/opt/pg-instance-manager/dist/bundle/v8-flags';

interface Container {
  name: string;
  command?: string[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number }[];
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  initContainers: Container[];
  containers: Container[];
  volumes: { name: string; emptyDir?: { medium?: string } }[];
}

test('examples/rbac.yaml is exactly what `rbac --cluster examples/cluster.yaml` prints', () => {
  const r = spawnSync(process.execPath, [MAIN_JS, 'rbac', '--cluster', join(ROOT, 'image/examples/cluster.yaml')], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const committed = read('image/examples/rbac.yaml').split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.equal(committed, r.stdout);
  assert.deepEqual(parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind), ['ServiceAccount', 'Role', 'RoleBinding']);
});

test('examples/pod.yaml: CNPG argv, uid 26 as the Dockerfile, the seed security context on every container', () => {
  const pod = parse(read('image/examples/pod.yaml')) as { spec: PodSpec };
  const { spec } = pod;
  const userLine = read('Dockerfile').split('\n').filter((l) => l.startsWith('USER ')).pop();
  assert.equal(userLine, `USER ${String(spec.securityContext.runAsUser)}:${String(spec.securityContext.runAsGroup)}`);
  assert.equal(spec.securityContext.runAsUser, 26);
  assert.equal(spec.securityContext.runAsNonRoot, true);
  assert.deepEqual(spec.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  for (const c of [...spec.initContainers, ...spec.containers]) {
    assert.deepEqual(
      c.securityContext,
      { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      c.name,
    );
  }
  const [init] = spec.initContainers;
  assert.deepEqual(init?.command, ['cp', '/usr/local/bin/manager', '/controller/manager']);
  const pg = spec.containers.find((c) => c.name === 'postgres');
  assert.deepEqual(pg?.command?.slice(0, 3), ['/controller/manager', 'instance', 'run']);
  assert.deepEqual(pg?.ports?.map((p) => p.containerPort), [5432, 9187, 8000]);
  assert.equal(pg?.env?.find((e) => e.name === 'TMPDIR')?.value, '/controller/tmp');
  assert.deepEqual(pg?.volumeMounts?.map((m) => m.mountPath).sort(), ['/controller', '/dev/shm', '/var/lib/postgresql/data']);
  assert.equal(spec.volumes.find((v) => v.name === 'shm')?.emptyDir?.medium, 'Memory');
});

test('the launcher is the ENTRYPOINT, executable, copied by the Dockerfile with the bundle it starts, and PGIM_CONTAINER=1 is set', () => {
  assert.ok((statSync(join(ROOT, 'image/bin/manager')).mode & 0o111) === 0o111);
  const dockerfile = read('Dockerfile');
  assert.match(dockerfile, /^COPY image\/bin\/manager \/usr\/local\/bin\/manager$/m);
  assert.match(dockerfile, /^ENV PGIM_CONTAINER=1 /m);
  assert.ok(dockerfile.split('\n').includes('COPY --from=build /src/dist/bundle/ /opt/pg-instance-manager/dist/bundle/'), 'the bundle and its v8-flags');
  assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/manager"\]$/m);
});

test('the launcher execs Node on the bundle with the recorded V8 flags, without NODE_EXTRA_CA_CERTS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-launcher-'));
  try {
    // The launcher with this checkout's paths, and a `node` that records its argv before it execs ours.
    const node = join(dir, 'node');
    writeFileSync(node, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/argv\necho "\${NODE_EXTRA_CA_CERTS-unset}" > ${dir}/env\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
    // The flags the build records for the Node that ran it (here: the Node running this test).
    const flags = join(dir, 'v8-flags');
    writeFileSync(flags, `${launchV8Flags().join(' ')}\n`);
    const launcher = join(dir, 'manager');
    const text = read('image/bin/manager')
      .replaceAll('/usr/local/bin/node', node)
      .replaceAll(IMAGE_V8_FLAGS, flags)
      .replaceAll('/opt/pg-instance-manager/', `${ROOT}/`);
    writeFileSync(launcher, text, { mode: 0o755 });
    const want = [...launchV8Flags(), join(ROOT, 'dist', 'bundle', 'main.js'), 'instance', 'status', '--bogus'];
    for (const extra of [{}, { NODE_OPTIONS: '--max-old-space-size=256' }]) {
      const env = { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', ...extra };
      const r = spawnSync(launcher, ['instance', 'status', '--bogus'], { encoding: 'utf8', env });
      assert.equal(r.status, 2, `the manager ran and refused --bogus: ${r.stderr}`);
      assert.match(r.stderr, /--bogus/);
      assert.deepEqual(readFileSync(join(dir, 'argv'), 'utf8').split('\n').slice(0, want.length), want);
      assert.equal(readFileSync(join(dir, 'env'), 'utf8'), 'unset\n', 'no NODE_EXTRA_CA_CERTS');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
