import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOG_PIPE_FILES, startLogPipes } from '../../../src/log/log-pipes.js';
import { captureLogger } from './capture-logger.js';
import { FIXTURES_DIR } from './fixtures.js';

const run = promisify(execFile);
type Entry = Record<string, unknown>;
const records = (es: Entry[]): Entry[] => es.filter((e) => e.msg === 'record');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'logpipes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A test that fails before its abort would leave its FIFO sockets open and the runner waiting for this
// process for ever (seen once, when a fixture was missing from a fresh clone): each test aborts in
// t.after, and this hook names any FIFO fd still open and makes sure the process ends, keeping the exit
// code the runner set.
after(() => {
  const leftovers = readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.includes('/logpipes-') ? [`${fd} -> ${target}`] : [];
    } catch {
      return [];
    }
  });
  if (leftovers.length > 0) process.stderr.write(`log-pipes test: FIFO fds still open after the tests: ${leftovers.join(', ')}\n`);
  setTimeout(() => process.exit(), 3000).unref();
});

// Resolves with 'timeout' if `p` takes longer than `ms`: closing must never hang.
function within(p: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([p, new Promise((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

test('CSV, raw and JSON pipes re-emit what writer processes send', async (t) => {
  const logDir = join(tempDir(t), 'log');
  const cap = captureLogger();
  const ac = new AbortController();
  // A failed assertion must still close the pipes, or their sockets keep this process alive.
  t.after(() => ac.abort());
  const pipes = startLogPipes({ logDir, root: cap.root, signal: ac.signal });
  await pipes.ready;
  for (const name of Object.values(LOG_PIPE_FILES)) assert.equal(lstatSync(join(logDir, name)).isFIFO(), true);

  const csv = join(logDir, LOG_PIPE_FILES.csv);
  // Two separate writers (like two postmaster lifetimes) with different files, one after the other.
  await run('sh', ['-c', `cat "${FIXTURES_DIR}pg14-26fields.csv" > "${csv}"`]);
  await run('sh', ['-c', `cat "${FIXTURES_DIR}pg14-26fields.csv" > "${csv}"`]);
  await cap.waitFor((es) => records(es).length === 12);
  const recs = records(cap.entries());
  assert.deepEqual(
    recs.slice(0, 6).map((e) => [e.logger, e.level]),
    [
      ['postgres', 'info'],
      ['pgaudit', 'info'],
      ['postgres', 'error'],
      ['postgres', 'info'],
      ['postgres', 'info'],
      ['postgres', 'error'],
    ],
  );
  const last = recs[5]?.record as Record<string, string>;
  assert.equal(last.query, 'selecct 1\nwith newlines\n, "quoted", é;');
  assert.equal(typeof recs[0]?.ts, 'string');

  // A PG13 record after PG14 ones: wrong field count, reported with its fields rather than lost.
  await run('sh', ['-c', `head -c 300 "${FIXTURES_DIR}pg13-24fields.csv" | head -n 1 > "${csv}"`]);
  await cap.waitFor((es) => es.some((e) => e.msg === 'invalid fields count, got 24, expected 26'));
  const invalid = cap.entries().find((e) => String(e.msg).startsWith('invalid fields count'));
  assert.equal(invalid?.level, 'error');
  assert.equal((invalid?.fields as string[])[13], 'connection authorized: user=app database=appdb');

  const raw = join(logDir, LOG_PIPE_FILES.raw);
  await run('sh', ['-c', `cat "${FIXTURES_DIR}pg15-real-stderr.log" > "${raw}"; printf '\\n\\nlast line' > "${raw}"`]);
  const json = join(logDir, LOG_PIPE_FILES.json);
  const walLine = '{"level":"info","ts":"2024-01-01T00:00:00Z","logger":"wal-archive","msg":"Archived WAL file"}';
  writeFileSync(join(logDir, 'in.json'), `${walLine}\nnot json\n[1,2]\n\n`);
  await run('sh', ['-c', `cat "${join(logDir, 'in.json')}" > "${json}"`]);
  // The raw pipe's last line has no newline yet: it waits in the buffer, like a half-written line.
  await cap.waitFor((es) => es.filter((e) => e.source === json).length === 2);
  await cap.waitFor((es) => es.filter((e) => e.source === raw).length === 2);
  const rawLines = cap.entries().filter((e) => e.source === raw);
  assert.equal(rawLines[0]?.msg, '2026-11-26 16:23:20.697 UTC [6654] LOG:  ending log output to stderr');
  assert.equal(rawLines[0]?.logger, 'postgres');
  assert.ok(cap.lines.includes(walLine), 'a JSON object line is passed through verbatim');
  assert.deepEqual(
    cap.entries().filter((e) => e.source === json).map((e) => e.msg),
    ['not json', '[1,2]'],
  );

  ac.abort();
  assert.notEqual(await within(pipes.done, 3000), 'timeout');
});

test('aborting before the pipes opened rejects ready and finishes done', async (t) => {
  const cap = captureLogger();
  const ac = new AbortController();
  ac.abort();
  const pipes = startLogPipes({ logDir: join(tempDir(t), 'log'), root: cap.root, signal: ac.signal });
  await assert.rejects(pipes.ready);
  assert.notEqual(await within(pipes.done, 3000), 'timeout');
});

test('a pipe that cannot be opened is retried and reported', async (t) => {
  const dir = tempDir(t);
  // The log dir is a file: mkdir fails, every attempt.
  writeFileSync(join(dir, 'log'), '');
  const cap = captureLogger();
  const ac = new AbortController();
  t.after(() => ac.abort());
  const pipes = startLogPipes({ logDir: join(dir, 'log'), root: cap.root, signal: ac.signal, retryDelayMs: 20 });
  await cap.waitFor((es) => es.filter((e) => e.msg === 'log pipe failed, reopening').length >= 6);
  ac.abort();
  await assert.rejects(pipes.ready);
  assert.notEqual(await within(pipes.done, 3000), 'timeout');
});

const PG_BIN = '/usr/lib/postgresql/15/bin';
const canRunPostgres = process.getuid?.() === 0 && existsSync(`${PG_BIN}/postgres`);

test('a real postgres logging collector writes into our FIFOs', { skip: !canRunPostgres && 'needs root and PostgreSQL 15', timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  chownSync(dir, uid, gid);
  const pgdata = join(dir, 'data');
  const logDir = join(dir, 'log');
  mkdirSync(logDir, { mode: 0o700 });
  chownSync(logDir, uid, gid);
  const asPg = (cmd: string, args: string[]): Promise<{ stdout: string }> => run('runuser', ['-u', 'postgres', '--', cmd, ...args]);
  await asPg(`${PG_BIN}/initdb`, ['-D', pgdata, '-A', 'trust']);

  const cap = captureLogger();
  const ac = new AbortController();
  t.after(() => ac.abort());
  const pipes = startLogPipes({ logDir, root: cap.root, signal: ac.signal });
  await pipes.ready;
  // We run as root here; in the pod the manager and postgres are the same user.
  for (const name of Object.values(LOG_PIPE_FILES)) chownSync(join(logDir, name), uid, gid);

  const opts = `-c logging_collector=on -c log_destination=csvlog -c log_directory=${logDir} -c log_filename=postgres -c log_rotation_age=0 -c log_rotation_size=0 -k ${dir} -c listen_addresses='' -c lc_messages=C`;
  // -l: the postmaster must not inherit our pipes, or execFile would wait for it to exit.
  await asPg(`${PG_BIN}/pg_ctl`, ['-D', pgdata, '-w', '-l', join(dir, 'startup.log'), '-o', opts, 'start']);
  try {
    await asPg('psql', ['-h', dir, '-d', 'postgres', '-c', 'selecct 1\nwith newlines\n']).catch(() => undefined);
    await cap.waitFor((es) => records(es).some((e) => (e.record as Record<string, string>).sql_state_code === '42601'));
  } finally {
    await asPg(`${PG_BIN}/pg_ctl`, ['-D', pgdata, '-w', '-m', 'fast', 'stop']);
  }
  await cap.waitFor((es) => records(es).some((e) => (e.record as Record<string, string>).message === 'database system is shut down'));
  const err = records(cap.entries()).find((e) => e.level === 'error')?.record as Record<string, string>;
  assert.equal(err.error_severity, 'ERROR');
  assert.equal(err.query, 'selecct 1\nwith newlines\n');
  assert.equal(err.user_name, 'postgres');
  assert.equal(err.database_name, 'postgres');
  assert.equal(err.backend_type, 'client backend');
  // The syslogger always writes its first lines to the plain stderr file.
  const rawPath = join(logDir, LOG_PIPE_FILES.raw);
  await cap.waitFor((es) => es.some((e) => e.source === rawPath && String(e.msg).includes('ending log output to stderr')));

  ac.abort();
  assert.notEqual(await within(pipes.done, 3000), 'timeout');
});
