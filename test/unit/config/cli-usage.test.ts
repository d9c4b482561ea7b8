// Spawns the compiled entry point (dist/bundle/main.js, built by `npm run build`) to check the CLI contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

const MAIN_JS = join(repoRoot(), 'dist', 'bundle', 'main.js');
assert.ok(existsSync(MAIN_JS), `${MAIN_JS} is not built: run npx tsc -p .`);

function run(args: string[]): { status: number | null; stdout: string; stderr: string; cwd: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'pgim-cli-'));
  const r = spawnSync(process.execPath, [MAIN_JS, ...args], { cwd, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PGDATA: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

test('instance run --bogus: exit 2, one stderr line naming --bogus, nothing created', () => {
  const r = run(['instance', 'run', '--bogus']);
  try {
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    const naming = lines.filter((l) => l.includes('--bogus'));
    assert.equal(naming.length, 1, r.stderr);
    assert.equal(lines[0], naming[0], 'the cause comes first');
    assert.ok(lines.length <= 2, `at most the cause and a pointer to --help: ${r.stderr}`);
    assert.equal(r.stdout, '', 'a usage error is not a JSON log line');
    assert.deepEqual(readdirSync(r.cwd), [], 'nothing written in the working directory');
  } finally {
    rmSync(r.cwd, { recursive: true, force: true });
  }
});

test('a missing value and a bad port also exit 2 naming the flag', () => {
  for (const [args, needle] of [
    [['instance', 'run', '--cluster-manifest'], '--cluster-manifest'],
    [['instance', 'run', '--cluster-manifest', 'x.yaml', '--port', '99999'], '--port'],
    [['instance', 'run', '--cluster-manifest', 'x.yaml', '--log-level', 'loud'], '--log-level'],
  ] as const) {
    const r = run([...args]);
    try {
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.split('\n')[0]?.includes(needle), r.stderr);
      assert.deepEqual(readdirSync(r.cwd), [], 'no .state dir created');
    } finally {
      rmSync(r.cwd, { recursive: true, force: true });
    }
  }
});

test('--help prints the usage and exits 0', () => {
  const r = run(['--help']);
  rmSync(r.cwd, { recursive: true, force: true });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^usage: pg-instance-manager/);
});
