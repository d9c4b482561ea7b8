// postgres's own log lines reach stdout as one JSON "record" line each (CNPG logpipe), multi-line queries
// included; every stdout line is a JSON envelope, and no secret ever appears on stdout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ownerConnection, secretValue, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers } from '../helpers/config-tree.js';

const QUERY = 'selecct 1\nwith newlines\n';

let h: ManagerHandle;
let raw = '';
const dir = tempDir('pgim-logs-');

before(async () => {
  h = await startManager({ dir });
  // startManager returns right after spawning: no output has been read yet.
  h.proc.stdout?.on('data', (c: string) => (raw += c));
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

after(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

type PgRecord = Record<string, unknown>;
const isRecord = (l: LogLine): boolean => l.logger === 'postgres' && l.msg === 'record';
const recordOf = (l: LogLine): PgRecord => (l.record ?? {}) as PgRecord;

test('a failing multi-line query is one JSON record line with the query verbatim', async () => {
  const user = secretValue(h.stateDir, 't1-app', 'username');
  const database = secretValue(h.stateDir, 't1-app', 'dbname');
  const client = new pg.Client(ownerConnection(h));
  await client.connect();
  try {
    await assert.rejects(client.query(QUERY), (err: Error & { code?: string }) => err.code === '42601');
  } finally {
    await client.end();
  }
  const matches = (l: LogLine): boolean => isRecord(l) && recordOf(l).sql_state_code === '42601' && recordOf(l).error_severity === 'ERROR';
  const line = await h.waitForLine(matches, 10_000, 'the syntax error record');
  const rec = recordOf(line);
  assert.equal(rec.query, QUERY);
  assert.equal(rec.user_name, user);
  assert.equal(rec.database_name, database);
  assert.match(String(rec.message), /syntax error at or near "selecct"/);
  assert.equal(h.lines.filter(matches).length, 1, 'exactly one record for the error');
  // The query's continuation lines never become log lines of their own.
  assert.equal(h.lines.filter((l) => typeof l.msg === 'string' && /with newlines/.test(l.msg)).length, 0);
  const rawMatches = raw.split('\n').filter((l) => l.includes('"42601"'));
  assert.equal(rawMatches.length, 1, rawMatches.join('\n'));
});

test("initdb's advice to start the server with pg_ctl (a temp folder, a tool the manager never uses) is not re-emitted at info", () => {
  const initdb = h.lines.filter((l) => l.logger === 'initdb');
  assert.ok(initdb.some((l) => l.msg === 'initdb finished'), 'initdb ran');
  const advice = initdb.filter((l) => /pg_ctl|You can now start the database server/.test(String(l.msg)));
  assert.deepEqual(advice.map((l) => l.msg), []);
});

test('every stdout line is a JSON envelope; no password or private key on stdout', async () => {
  const secretsDir = join(h.stateDir, 'secrets');
  const password = secretValue(h.stateDir, 't1-app', 'password');
  const keys: string[] = [];
  for (const secret of readdirSync(secretsDir)) {
    for (const key of readdirSync(join(secretsDir, secret))) {
      if (key.endsWith('.key')) keys.push(readFileSync(join(secretsDir, secret, key), 'utf8'));
    }
  }
  assert.ok(password.length >= 16, 'a generated password');
  assert.ok(keys.length > 0, 'the provisioned private keys were found');
  const stopped = await h.stop();
  assert.equal(stopped.code, 0);
  const lines = raw.split('\n');
  assert.equal(lines.pop(), '', 'stdout ends with a newline');
  assert.ok(lines.length > 10);
  for (const text of lines) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      assert.fail(`not JSON: ${text}`);
    }
    const { level, ts, logger, msg } = parsed;
    assert.deepEqual([typeof level, typeof ts, typeof logger, typeof msg], ['string', 'string', 'string', 'string'], text);
  }
  assert.equal(raw.includes(password), false, 'the owner password is on stdout');
  assert.equal(raw.includes(JSON.stringify(password).slice(1, -1)), false, 'the owner password (JSON-escaped) is on stdout');
  assert.doesNotMatch(raw, /PRIVATE KEY/);
  for (const key of keys) {
    const body = key.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'));
    if (body) assert.equal(raw.includes(body), false, 'private key material on stdout');
  }
});
