import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagerError } from '../../../src/errors.js';
import { buildConfig } from '../../../src/config/config.js';
import { CONTAINER_PATHS, PORTS } from '../../../src/config/constants.js';
import type { Flags } from '../../../src/config/flags.js';

const CWD = '/work/here';

function usageError(flags: Flags, env: Record<string, string> = {}): ManagerError {
  try {
    buildConfig('instance run', flags, env, CWD);
  } catch (err) {
    assert.ok(err instanceof ManagerError, `expected a ManagerError, got ${String(err)}`);
    assert.equal(err.code, 'USAGE');
    return err;
  }
  assert.fail(`buildConfig(${JSON.stringify(flags)}) did not throw`);
}

test('env fallbacks: PGDATA, POD_NAME, CLUSTER_NAME, NAMESPACE', () => {
  const c = buildConfig('instance run', {}, { PGDATA: '/pg/data', POD_NAME: 'c-1', CLUSTER_NAME: 'c', NAMESPACE: 'ns' }, CWD);
  assert.equal(c.pgData, '/pg/data');
  assert.equal(c.podName, 'c-1');
  assert.equal(c.clusterName, 'c');
  assert.equal(c.namespace, 'ns');
});

test('flags win over env', () => {
  const flags: Flags = { 'pg-data': '/flag/data', 'pod-name': 'f-2', 'cluster-name': 'f', namespace: 'fns', 'log-level': 'debug', port: '6000' };
  const env = { PGDATA: '/env/data', POD_NAME: 'e-1', CLUSTER_NAME: 'e', NAMESPACE: 'ens', LOG_LEVEL: 'error', PGPORT: '7000' };
  const c = buildConfig('instance run', flags, env, CWD);
  assert.equal(c.pgData, '/flag/data');
  assert.equal(c.podName, 'f-2');
  assert.equal(c.clusterName, 'f');
  assert.equal(c.namespace, 'fns');
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.port, 6000);
});

test('an empty env variable counts as unset; an empty flag is an error naming it', () => {
  const c = buildConfig('instance run', {}, { PGDATA: '', POD_NAME: '' }, CWD);
  assert.equal(c.pgData, CONTAINER_PATHS.pgData);
  assert.equal(c.podName, undefined);
  assert.match(usageError({ 'pg-data': '' }).message, /--pg-data/);
});

test('relative paths are resolved against the working directory', () => {
  const c = buildConfig('instance run', { 'pg-data': 'rel/data' }, {}, CWD);
  assert.equal(c.pgData, '/work/here/rel/data');
});

test('bad ports are USAGE errors naming the flag (and the variable)', () => {
  for (const bad of ['0', '65536', '-1', '54x', '5432.5', ' 5432', '0x10']) {
    const err = usageError({ port: bad });
    assert.match(err.message, /--port/, bad);
    assert.ok(err.message.includes(`'${bad}'`), err.message);
  }
  assert.match(usageError({ 'status-port': '70000' }).message, /--status-port/);
  assert.match(usageError({ 'metrics-port': 'abc' }).message, /--metrics-port/);
  const fromEnv = usageError({}, { PGPORT: 'nope' });
  assert.match(fromEnv.message, /PGPORT/);
  assert.equal(buildConfig('instance run', {}, { PGPORT: '5999' }, CWD).port, 5999);
  assert.equal(buildConfig('instance run', { port: '1' }, {}, CWD).port, 1);
  assert.equal(buildConfig('instance run', { port: '65535' }, {}, CWD).port, 65535);
});

test('a bad --log-level is a USAGE error listing the levels', () => {
  const err = usageError({ 'log-level': 'verbose' });
  assert.match(err.message, /--log-level/);
  assert.match(err.message, /'verbose'/);
  assert.match(err.message, /error, warning, info, debug, trace/);
  assert.match(usageError({}, { LOG_LEVEL: 'loud' }).message, /'loud'/);
  for (const level of ['error', 'warning', 'info', 'debug', 'trace'] as const) {
    assert.equal(buildConfig('instance run', { 'log-level': level }, {}, CWD).logLevel, level);
  }
});

test('a bad --on-postmaster-exit is a USAGE error naming it', () => {
  assert.match(usageError({ 'on-postmaster-exit': 'retry' }).message, /--on-postmaster-exit.*'retry'/);
});

test('container defaults without --cluster-manifest', () => {
  const c = buildConfig('instance run', {}, {}, CWD);
  assert.equal(c.source, 'kube');
  assert.equal(c.pgData, CONTAINER_PATHS.pgData);
  assert.equal(c.controller.root, CONTAINER_PATHS.controller);
  assert.equal(c.controller.run, '/controller/run');
  assert.equal(c.stateDir, undefined);
  assert.equal(c.secretsDir, undefined);
  assert.equal(c.statusFile, undefined);
  assert.equal(c.listenAddresses, '*');
  assert.equal(c.onPostmasterExit, 'exit');
  assert.equal(c.port, PORTS.postgres);
  assert.equal(c.statusPort, PORTS.status);
  assert.equal(c.metricsPort, PORTS.metrics);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.runAs, 'postgres');
  assert.equal(c.statusPortTls, false);
});

test('local mode: everything lives under one state dir (default .state)', () => {
  const c = buildConfig('instance run', { 'cluster-manifest': 'cluster.yaml' }, {}, CWD);
  assert.equal(c.source, 'file');
  assert.equal(c.clusterManifest, '/work/here/cluster.yaml');
  assert.equal(c.stateDir, '/work/here/.state');
  assert.equal(c.pgData, '/work/here/.state/pgdata');
  assert.equal(c.secretsDir, '/work/here/.state/secrets');
  assert.equal(c.statusFile, '/work/here/.state/status.json');
  assert.deepEqual(
    { ...c.controller },
    {
      root: '/work/here/.state/controller',
      run: '/work/here/.state/controller/run',
      log: '/work/here/.state/controller/log',
      certificates: '/work/here/.state/controller/certificates',
      tmp: '/work/here/.state/controller/tmp',
      external: '/work/here/.state/controller/external',
    },
  );
  assert.equal(c.listenAddresses, '127.0.0.1');
  assert.equal(c.onPostmasterExit, 'restart');
  assert.equal(c.statusPortTls, true);
});

test('local mode: --state-dir moves the whole layout; explicit paths still win', () => {
  const c = buildConfig('instance run', { 'cluster-manifest': '/m.yaml', 'state-dir': 'st' }, {}, CWD);
  assert.equal(c.pgData, '/work/here/st/pgdata');
  assert.equal(c.controller.log, '/work/here/st/controller/log');
  const d = buildConfig(
    'instance run',
    { 'cluster-manifest': '/m.yaml', 'state-dir': '/s', 'secrets-dir': '/sec', 'status-file': '/st.json', 'controller-dir': '/ctl', 'on-postmaster-exit': 'exit' },
    { PGDATA: '/envdata' },
    CWD,
  );
  // The shell's PGDATA never redirects the embedded default to another cluster.
  assert.equal(d.pgData, '/s/pgdata');
  assert.equal(d.secretsDir, '/sec');
  assert.equal(d.statusFile, '/st.json');
  assert.equal(d.controller.run, '/ctl/run');
  assert.equal(d.onPostmasterExit, 'exit');
});

test('a controller dir too long for a Unix socket path is refused', () => {
  const err = usageError({ 'controller-dir': `/${'x'.repeat(100)}` });
  assert.match(err.message, /--controller-dir/);
});

test('the Config is frozen', () => {
  const c = buildConfig('instance run', {}, {}, CWD);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.controller));
});
