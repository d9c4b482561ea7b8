// The conninfo of an externalClusters entry: CNPG's connectionParameters plus the files the manager writes
// (sslcert/sslkey/sslrootcert as <secret>_<key>, passfile), sorted, quoted per libpq, extras last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { externalConninfo, type ExternalConninfoInput } from '../../../src/pgfiles/external-conninfo.js';

const base: ExternalConninfoInput = { externalDir: '/controller/external', name: 'cluster-example', connectionParameters: {}, hasPassword: false };

const ROWS: [string, Partial<ExternalConninfoInput>, string][] = [
  ['TLS client certificate (cluster-replica-tls.yaml)', {
    connectionParameters: { host: 'cluster-example-rw.default.svc', user: 'streaming_replica', sslmode: 'verify-full', dbname: 'postgres' },
    sslKey: { name: 'cluster-example-replication', key: 'tls.key' },
    sslCert: { name: 'cluster-example-replication', key: 'tls.crt' },
    sslRootCert: { name: 'cluster-example-ca', key: 'ca.crt' },
  }, 'dbname=postgres host=cluster-example-rw.default.svc sslcert=/controller/external/cluster-example/cluster-example-replication_tls.crt sslkey=/controller/external/cluster-example/cluster-example-replication_tls.key sslmode=verify-full sslrootcert=/controller/external/cluster-example/cluster-example-ca_ca.crt user=streaming_replica'],
  ['password (cluster-replica-basicauth.yaml)', { connectionParameters: { host: 'h', user: 'postgres', dbname: 'postgres' }, hasPassword: true },
    'dbname=postgres host=h passfile=/controller/external/cluster-example/pgpass user=postgres'],
  ['extras replace a parameter and come last', { connectionParameters: { host: 'h', connect_timeout: '30' }, extra: [['connect_timeout', '5'], ['options', '-c wal_sender_timeout=0s']] },
    "host=h connect_timeout=5 options='-c wal_sender_timeout=0s'"],
  ['dbname replaced', { connectionParameters: { host: 'h', dbname: 'app' }, dbname: 'postgres' }, 'dbname=postgres host=h'],
  ['quotes and backslashes escaped', { connectionParameters: { host: 'h', application_name: "it's a\\b" } }, "application_name='it\\'s a\\\\b' host=h"],
];

for (const [name, input, expected] of ROWS) {
  test(`external conninfo: ${name}`, () => {
    assert.equal(externalConninfo({ ...base, ...input }), expected);
  });
}
