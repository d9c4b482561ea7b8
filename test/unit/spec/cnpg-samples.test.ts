// Every CloudNativePG documentation sample goes through the loader: a Cluster is accepted or refused with
// a ManifestError naming a field; files without a Cluster are refused as such; nothing else may escape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { repoRoot } from './repo-paths.js';

// A copy of CNPG's docs/src/samples (CC-BY-4.0, see test/fixtures/cnpg-samples/README.md), so the test never depends on the checkout's location.
const SAMPLES = join(repoRoot(), 'test', 'fixtures', 'cnpg-samples');
const FIELD_PATH = /^(apiVersion|kind|metadata|spec|status)([.[]|$)/;

function hasClusterDocument(text: string): boolean {
  return parseAllDocuments(text, { version: '1.1' }).some((doc) => {
    const value: unknown = doc.toJS();
    return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Cluster';
  });
}

test('every CNPG sample loads or is refused with a ManifestError naming a field', (t) => {
  const files = readdirSync(SAMPLES).filter((f) => /\.ya?ml$/.test(f)).sort();
  const accepted: string[] = [];
  const refused: string[] = [];
  const noCluster: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(SAMPLES, file), 'utf8');
    const withCluster = hasClusterDocument(text);
    try {
      const cluster = parseClusterManifest(text, file, { namespace: 'default' });
      assert.ok(withCluster, `${file} has no Cluster yet loaded one`);
      accepted.push(`${file} (${cluster.name}, instances ${cluster.spec.instances})`);
    } catch (err) {
      assert.ok(err instanceof ManifestError, `${file}: ${String(err)} is not a ManifestError`);
      if (withCluster) {
        assert.match(err.path, FIELD_PATH, `${file}: "${err.message}" does not name a field`);
        refused.push(`${file}: ${err.message}`);
      } else {
        assert.equal(err.path, 'kind', `${file}: ${err.message}`);
        assert.match(err.message, /no Cluster document was found/, file);
        noCluster.push(file);
      }
    }
  }
  t.diagnostic(`${files.length} files: ${accepted.length} Clusters accepted, ${refused.length} refused, ${noCluster.length} without a Cluster`);
  for (const line of accepted) t.diagnostic(`accepted ${line}`);
  for (const line of refused) t.diagnostic(`refused  ${line}`);
  t.diagnostic(`no Cluster: ${noCluster.join(', ')}`);
  assert.equal(files.length, 88, 'the sample set changed: review the counts below');
  assert.equal(accepted.length + refused.length, 66, 'the samples hold 66 Cluster documents (README)');
  assert.ok(accepted.length > 0, 'no sample was accepted');
  assert.equal(accepted.length + refused.length, files.filter((f) => hasClusterDocument(readFileSync(join(SAMPLES, f), 'utf8'))).length);
});
