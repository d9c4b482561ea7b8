// override.conf of a replica: slot names as CNPG normalises them, conninfo quoting (libpq) nested inside a
// postgresql.conf literal, and the exact file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conninfoValue, renderReplicaOverrideConf, replicaConninfo, slotNameForInstance } from '../../../src/pgfiles/replica-conf.js';

test('slot names: _cnpg_ + the instance, lower-cased, anything outside [a-z0-9_] turned into _', () => {
  for (const [instance, slot] of [
    ['pg-2', '_cnpg_pg_2'],
    ['My.Cluster-10', '_cnpg_my_cluster_10'],
    ['a_b', '_cnpg_a_b'],
  ] as const) assert.equal(slotNameForInstance(instance), slot);
  assert.equal(slotNameForInstance('pg-2', 'ha_'), 'ha_pg_2');
});

test('conninfo values are quoted only when needed, with \\ and \' escaped (libpq)', () => {
  for (const [value, quoted] of [
    ['plain', 'plain'],
    ['', "''"],
    ['two words', "'two words'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ['-c wal_sender_timeout=0s', "'-c wal_sender_timeout=0s'"],
  ] as const) assert.equal(conninfoValue(value), quoted);
});

test('the replica conninfo carries the certificate, verify-ca and the instance as application_name', () => {
  const text = replicaConninfo({ host: 'pg-rw', port: 5432, applicationName: 'pg-2', certificatesDir: '/controller/certificates', extra: [['tcp_user_timeout', '5000']] });
  assert.equal(
    text,
    'host=pg-rw user=streaming_replica port=5432 sslkey=/controller/certificates/streaming_replica.key sslcert=/controller/certificates/streaming_replica.crt ' +
      'sslrootcert=/controller/certificates/server-ca.crt application_name=pg-2 sslmode=verify-ca dbname=postgres tcp_user_timeout=5000',
  );
});

test('override.conf: stamp and sorted lines; both grammars escaped (a quote in a path survives both)', () => {
  const conninfo = replicaConninfo({ host: 'h', port: 5433, applicationName: 'pg-2', certificatesDir: "/tmp/o'dir" });
  assert.match(conninfo, /sslkey='\/tmp\/o\\'dir\/streaming_replica\.key'/);
  const text = renderReplicaOverrideConf({ primaryConninfo: conninfo, slotName: '_cnpg_pg_2' });
  const lines = text.split('\n');
  assert.equal(lines[0], '# managed by pg-instance-manager, do not edit');
  assert.ok(lines[1]?.startsWith("primary_conninfo = 'host=h user=streaming_replica port=5433 sslkey=''/tmp/o\\\\''dir/streaming_replica.key'' "));
  assert.equal(lines[2], "primary_slot_name = '_cnpg_pg_2'");
  assert.equal(lines[3], "recovery_target_timeline = 'latest'");
  assert.equal(lines[4], '');
  assert.doesNotMatch(renderReplicaOverrideConf({ primaryConninfo: 'host=h' }), /primary_slot_name/, 'no slot line when HA slots are off');
});
