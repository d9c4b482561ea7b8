// The SBOM check on synthetic BOMs (one fault each) and on the real SBOM that scripts/sbom writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSbom, lockKeyName, type Bom, type BomComponent, type LockFile } from '../../../scripts/sbom-check-rules.js';
import { compiledScript, repoRoot } from './repo-root.js';

const LOCK: LockFile = {
  name: 'app',
  version: '1.0.0',
  packages: {
    '': { name: 'app', version: '1.0.0' },
    'node_modules/pg': { version: '8.23.1' },
    'node_modules/@kubernetes/client-node': { version: '1.4.0' },
    'node_modules/pg/node_modules/pg-types': { version: '2.2.0' },
    'node_modules/typescript': { version: '6.0.2', dev: true },
  },
};

function comp(name: string, version: string, license: string | undefined = 'MIT', extra: Partial<BomComponent> = {}): BomComponent {
  const slash = name.lastIndexOf('/');
  const [group, short] = slash > 0 ? [name.slice(0, slash), name.slice(slash + 1)] : [undefined, name];
  return { name: short, group, version, purl: `pkg:npm/${name}@${version}`, licenses: license ? [{ license: { id: license } }] : [], ...extra };
}

function bom(components: BomComponent[]): Bom {
  return { bomFormat: 'CycloneDX', specVersion: '1.6', metadata: { component: { name: 'app', version: '1.0.0' } }, components };
}

const GOOD = (): BomComponent[] => [comp('pg', '8.23.1', 'MIT', { components: [comp('pg-types', '2.2.0')] }), comp('@kubernetes/client-node', '1.4.0', 'Apache-2.0')];

test('lockfile keys name nested and scoped packages', () => {
  assert.equal(lockKeyName('node_modules/a/node_modules/@s/b'), '@s/b');
  assert.equal(lockKeyName('node_modules/pg'), 'pg');
});

test('a complete SBOM passes and reports the direct dependencies with license (nested components count)', () => {
  const report = checkSbom(bom(GOOD()), LOCK, ['pg', '@kubernetes/client-node']);
  assert.deepEqual(report.problems, []);
  assert.equal(report.components, 3);
  assert.deepEqual(report.direct, ['pg 8.23.1 MIT', '@kubernetes/client-node 1.4.0 Apache-2.0']);
});

const FAULTS: [string, () => Bom, RegExp][] = [
  ['a production package missing', () => bom(GOOD().slice(0, 1)), /production package @kubernetes\/client-node@1\.4\.0 is missing/],
  ['a wrong version', () => bom([comp('pg', '8.23.0', 'MIT', { components: [comp('pg-types', '2.2.0')] }), GOOD()[1] as BomComponent]), /production package pg@8\.23\.1 is missing/],
  ['no license', () => bom([comp('pg', '8.23.1', '', { components: [comp('pg-types', '2.2.0')] }), GOOD()[1] as BomComponent]), /pg@8\.23\.1 has no license/],
  ['no purl', () => bom([comp('pg', '8.23.1', 'MIT', { purl: undefined, components: [comp('pg-types', '2.2.0')] }), GOOD()[1] as BomComponent]), /pg@8\.23\.1 has no purl/],
  ['a dev package included', () => bom([...GOOD(), comp('typescript', '6.0.2', 'Apache-2.0')]), /typescript@6\.0\.2 is not a production package/],
  ['another format', () => ({ ...bom(GOOD()), bomFormat: 'SPDX' }), /bomFormat is SPDX/],
  ['another root component', () => ({ ...bom(GOOD()), metadata: { component: { name: 'other', version: '1.0.0' } } }), /metadata\.component is other@1\.0\.0/],
];

for (const [name, make, expected] of FAULTS) {
  test(`an SBOM with ${name} fails`, () => {
    const { problems } = checkSbom(make(), LOCK, ['pg', '@kubernetes/client-node']);
    assert.ok(problems.some((p) => expected.test(p)), problems.join('\n'));
  });
}

test('scripts/sbom writes a CycloneDX 1.6 SBOM listing pg, client-node, express, prom-client, execa and pino with exact versions and licenses', () => {
  const root = repoRoot();
  const out = join(mkdtempSync(join(tmpdir(), 'pgim-sbom-')), 'sbom.json');
  const build = join(compiledScript('sbom-check'), '..', '..');
  const r = spawnSync('bash', [join(root, 'scripts', 'sbom'), out], { encoding: 'utf8', env: { ...process.env, BUILD_DIR: build }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as LockFile;
  const written = JSON.parse(readFileSync(out, 'utf8')) as Bom;
  assert.equal(written.specVersion, '1.6');
  for (const name of ['pg', '@kubernetes/client-node', 'express', 'prom-client', 'execa', 'pino']) {
    const version = lock.packages?.[`node_modules/${name}`]?.version ?? 'missing';
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from the lockfile's version, dots escaped
    assert.match(r.stdout, new RegExp(`^  ${name} ${version.replace(/\./g, '\\.')} (MIT|Apache-2\\.0)$`, 'm'));
  }
});
