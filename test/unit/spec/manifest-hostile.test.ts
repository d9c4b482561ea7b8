// Hostile or sloppy manifests that are still YAML: an alias bomb is refused naming its line, and fields
// Kubernetes does not know at the top level or in metadata are accepted with kubectl's warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from '../../../src/errors.js';
import { MAX_ALIAS_COUNT, parseClusterManifest } from '../../../src/spec/load-manifest.js';

const load = (text: string) => parseClusterManifest(text, '/x/cluster.yaml', { namespace: 'default' });
const HEAD = ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: c1'];

test('an alias bomb is refused naming the file and the line of the alias that crossed the limit', () => {
  // "Billion laughs": each level lists the previous one nine times; the first *c, on line 10, crosses 100.
  const bomb = [
    ...HEAD,
    'spec:',
    '  description: x',
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  ].join('\n');
  assert.throws(() => load(bomb), (err: unknown) => {
    assert.ok(err instanceof ManifestError, String(err));
    assert.equal(err.path, '/x/cluster.yaml');
    assert.equal(MAX_ALIAS_COUNT, 100);
    assert.equal(err.message, '/x/cluster.yaml: invalid YAML at line 10, column 8: the alias *c takes the document past 100 alias expansions (an alias bomb?)');
    return true;
  });
});

test('an alias to no anchor names its line too', () => {
  assert.throws(() => load([...HEAD, 'spec:', '  description: *nowhere'].join('\n')), /invalid YAML at line 6, column 16: .*nowhere/);
});

test('a few aliases, as a hand-written manifest uses them, are fine', () => {
  const cluster = load([...HEAD, '  labels: &l { team: db }', '  annotations: *l', 'spec:', '  instances: 1'].join('\n'));
  assert.equal(cluster.name, 'c1');
  assert.equal(cluster.warnings, undefined);
});

test('unknown fields at the top level and in metadata are warned about once each, with their path', () => {
  const text = [
    'apiVersion: postgresql.cnpg.io/v1',
    'kind: Cluster',
    'metadata:',
    '  name: c1',
    '  lables: { app: x }',
    'sepc:',
    '  instances: 3',
    'foo: 1',
  ].join('\n');
  const cluster = load(text);
  assert.deepEqual(cluster.warnings, ['unknown field "sepc"', 'unknown field "foo"', 'unknown field "metadata.lables"']);
  assert.equal(cluster.spec.instances, 1, 'the misspelt spec is not read');
});
