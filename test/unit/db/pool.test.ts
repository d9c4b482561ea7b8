import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { connectionParams } from '../../../src/db/pool.js';

// Each variable node-postgres reads (lib/connection-parameters.js) with a value that would break, or redirect,
// an internal connection over the Unix socket.
const HOSTILE: Record<string, string> = {
  PGHOST: 'db.example.invalid',
  PGPORT: '1',
  PGUSER: 'nobody',
  PGDATABASE: 'nowhere',
  PGPASSWORD: 'from-the-environment',
  PGAPPNAME: 'intruder',
  PGOPTIONS: '-c default_transaction_read_only=on',
  PGSSLMODE: 'require',
  PGSSLNEGOTIATION: 'direct',
  PGREPLICATION: 'database',
  PGCLIENT_ENCODING: 'LATIN1',
  PGCONNECT_TIMEOUT: '1',
};

test('internal connection parameters ignore every PG* variable node-postgres reads', () => {
  const saved = { ...process.env };
  Object.assign(process.env, HOSTILE);
  try {
    const client = new pg.Client(connectionParams({ socketDir: '/run/pg', port: 5432 }, 'pgim', '-c datestyle=ISO'));
    // What the client will use, after node-postgres has applied its defaults and the environment.
    const params = new Map(Object.entries((client as unknown as { connectionParameters: object }).connectionParameters));
    params.set('password', (client as unknown as { password: unknown }).password);
    const cases: [string, unknown][] = [
      ['host', '/run/pg'],
      ['port', 5432],
      ['user', 'postgres'],
      ['database', 'postgres'],
      ['application_name', 'pgim'],
      ['options', '-c client_encoding=UTF8 -c datestyle=ISO'],
      ['ssl', false],
      ['sslnegotiation', 'postgres'],
      ['replication', 'false'],
      ['client_encoding', 'UTF8'],
      ['connect_timeout', 5],
    ];
    for (const [field, expected] of cases) assert.equal(params.get(field), expected, field);
    assert.equal(typeof params.get('password'), 'function', 'no password from PGPASSWORD or a .pgpass file');
  } finally {
    for (const name of Object.keys(HOSTILE)) Reflect.deleteProperty(process.env, name);
    Object.assign(process.env, saved);
  }
});

test('the password callback refuses instead of looking one up', async () => {
  const password = connectionParams({ socketDir: '/run/pg', port: 5432 }).password;
  assert.equal(typeof password, 'function');
  if (typeof password !== 'function') return;
  await assert.rejects(async () => password(), /peer authentication is expected/);
});
