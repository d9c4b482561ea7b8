// Image-volume extensions: the settings and environment CNPG gives PostgreSQL 18 (pkg/postgres/configuration.go
// setExtensionControlPath/setDynamicLibraryPath, pkg/utils/extensions), and the refusal on an older major.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extensionEnv, extensionSettings } from '../../../src/pgfiles/extension-paths.js';
import { renderCustomConf } from '../../../src/pgfiles/custom-conf.js';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { repoRoot } from '../spec/repo-paths.js';

const postgis = { name: 'postgis', image: 'x', extensionControlPath: [], dynamicLibraryPath: [], ldLibraryPath: ['system'], binPath: [] };
const vector = { name: 'pgvector', image: 'y', extensionControlPath: ['ext/share'], dynamicLibraryPath: ['ext/lib', './more/'], ldLibraryPath: [], binPath: ['bin'] };

test('extension_control_path and dynamic_library_path: system first, each extension, then the user value', () => {
  assert.deepEqual(extensionSettings([postgis, vector], { extension_control_path: '/opt/share:' }), {
    extension_control_path: '$system:/extensions/postgis/share:/extensions/pgvector/ext/share:/opt/share',
    dynamic_library_path: '$libdir:/extensions/postgis/lib:/extensions/pgvector/ext/lib:/extensions/pgvector/more',
  });
  assert.deepEqual(extensionSettings([], { dynamic_library_path: '/x' }), {}, 'no extension: the user value is left alone');
});

test('LD_LIBRARY_PATH and PATH get the extension directories, never an empty entry', () => {
  assert.deepEqual(extensionEnv([postgis, vector], { PATH: '/usr/bin' }), { LD_LIBRARY_PATH: '/extensions/postgis/system', PATH: '/usr/bin:/extensions/pgvector/bin' });
  assert.deepEqual(extensionEnv([postgis], { LD_LIBRARY_PATH: '/a' }), { LD_LIBRARY_PATH: '/a:/extensions/postgis/system' });
  assert.deepEqual(extensionEnv([{ ...postgis, ldLibraryPath: [] }], {}), {});
});

test('custom.conf carries the two settings', () => {
  const { text } = renderCustomConf({
    parameters: {}, pgMajor: 18, clusterName: 'c', port: 5432, listenAddresses: '*', archiveMode: 'off', sharedPreloadLibraries: [],
    paths: { socketDir: '/run', logDir: '/log', certificatesDir: '/certs' }, extensions: [postgis],
  });
  assert.match(text, /^extension_control_path = '\$system:\/extensions\/postgis\/share'$/m);
  assert.match(text, /^dynamic_library_path = '\$libdir:\/extensions\/postgis\/lib'$/m);
});

test('the postgis sample loads on PostgreSQL 18 and is refused on 15, naming the version', () => {
  const sample = readFileSync(join(repoRoot(), 'test', 'fixtures', 'cnpg-samples', 'postgis-example.yaml'), 'utf8');
  const cluster = parseClusterManifest(sample, 'postgis-example.yaml', { namespace: 'default' });
  assert.deepEqual(cluster.spec.postgresql.extensions?.map((e) => [e.name, e.image, e.ldLibraryPath]), [['postgis', 'ghcr.io/cloudnative-pg/postgis-extension:3.6.1-18-trixie', ['system']]]);
  const on15 = sample.replace('postgresql:18.6-minimal-trixie', 'postgresql:15.8');
  assert.throws(() => parseClusterManifest(on15, 'x.yaml', { namespace: 'default' }),
    (err: unknown) => err instanceof ManifestError && err.path === 'spec.postgresql.extensions' && /PostgreSQL 18 or later .*PostgreSQL 15/.test(err.message));
  const noTag = sample.replace(/ {2}imageName: .*\n/, '');
  assert.throws(() => parseClusterManifest(noTag, 'x.yaml', { namespace: 'default' }), /PostgreSQL 18 or later: name it/);
  const escaping = sample.replace('- system', '- ../../etc');
  assert.throws(() => parseClusterManifest(escaping, 'x.yaml', { namespace: 'default' }), /ld_library_path\[0\].*escape/);
});
