// The one place that maps an instance name to host:port: `<cluster>-rw:5432` in Kubernetes, base + N - 1 locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceOrdinal, primaryAddress } from '../../../src/config/primary-address.js';
import { ManagerError } from '../../../src/errors.js';

test('Kubernetes: the -rw Service on 5432 whatever the name, or --primary-host', () => {
  assert.deepEqual(primaryAddress({ source: 'kube', clusterName: 'pg', primaryName: 'pg-3' }), { host: 'pg-rw', port: 5432 });
  assert.deepEqual(primaryAddress({ source: 'kube', clusterName: 'pg', primaryName: 'pg-3', primaryHost: 'pg-1.pg' }), { host: 'pg-1.pg', port: 5432 });
});

test('embedded default: <cluster>-N on 127.0.0.1, port base + N - 1', () => {
  assert.deepEqual(primaryAddress({ source: 'file', clusterName: 'pg', primaryName: 'pg-1' }), { host: '127.0.0.1', port: 5432 });
  assert.deepEqual(primaryAddress({ source: 'file', clusterName: 'pg', primaryName: 'pg-3' }), { host: '127.0.0.1', port: 5434 });
  assert.deepEqual(primaryAddress({ source: 'file', clusterName: 'pg', primaryName: 'pg-2', peerPortBase: 21000 }), { host: '127.0.0.1', port: 21001 });
  assert.equal(instanceOrdinal('pg', 'pg-0'), undefined);
  assert.equal(instanceOrdinal('pg', 'other-1'), undefined);
  assert.throws(() => primaryAddress({ source: 'file', clusterName: 'pg', primaryName: 'pg-x' }), (e: unknown) => e instanceof ManagerError && /not named <cluster>-N/.test(e.message));
});
