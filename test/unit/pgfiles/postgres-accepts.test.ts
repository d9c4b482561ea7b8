// Real check: PostgreSQL 15 loads the rendered custom.conf (through ensureIncludes), pg_hba.conf and
// pg_ident.conf, and reads the escaped values and the checksum back unchanged. Skipped without the binaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { renderCustomConf } from '../../../src/pgfiles/custom-conf.js';
import { ensureIncludes } from '../../../src/pgfiles/postgresql-conf.js';
import { renderPgHba } from '../../../src/pgfiles/hba.js';
import { renderPgIdent } from '../../../src/pgfiles/ident.js';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;
// initdb refuses to run as root: as root we drop to the postgres account.
const osUser = isRoot ? 'postgres' : userInfo().username;
const prefix = isRoot ? ['runuser', '-u', 'postgres', '--'] : [];
const missing = !existsSync(join(BIN, 'postgres')) || (isRoot && !existsSync('/usr/sbin/runuser'));

async function asPostgres(program: string, args: string[]): Promise<string> {
  const [cmd, ...rest] = [...prefix, join(BIN, program), ...args];
  const { stdout } = await run(cmd ?? '', rest, { timeout: 30_000 });
  return stdout;
}

test('postgres loads the rendered files', { skip: missing && 'PostgreSQL 15 binaries not found' }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pgfiles-check-'));
  const pgdata = join(root, 'pgdata');
  let started = false;
  // One hook, so the server is stopped before its directory goes away.
  t.after(async () => {
    if (started) await asPostgres('pg_ctl', ['-D', pgdata, '-w', '-m', 'immediate', 'stop']);
    await rm(root, { recursive: true, force: true });
  });
  const paths = { socketDir: join(root, 'run'), logDir: join(root, 'log'), certificatesDir: join(root, 'certs') };
  for (const dir of Object.values(paths)) await mkdir(dir, { mode: 0o700 });
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(paths.certificatesDir, 'server.key'), '-out', join(paths.certificatesDir, 'server.crt'),
  ]);
  await writeFile(join(paths.certificatesDir, 'client-ca.crt'), await readFile(join(paths.certificatesDir, 'server.crt')));
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    for (const p of [root, ...Object.values(paths)]) await chown(p, uid, -1);
    for (const f of ['server.key', 'server.crt', 'client-ca.crt']) await chown(join(paths.certificatesDir, f), uid, -1);
  }
  await asPostgres('initdb', ['-D', pgdata, '-A', 'trust', '-N']);

  const note = "it's a \\ test\twith tab";
  const conf = renderCustomConf({
    parameters: { 'myapp.note': note, work_mem: '8MB', 'pg_stat_statements.max': '1000' },
    pgMajor: 15, clusterName: 'pgfiles-check', port: 5432, listenAddresses: '', paths,
    sharedPreloadLibraries: [], archiveMode: 'off',
  });
  const postgresqlConf = join(pgdata, 'postgresql.conf');
  await writeFile(postgresqlConf, ensureIncludes(await readFile(postgresqlConf, 'utf8')).text);
  await writeFile(join(pgdata, 'custom.conf'), conf.text);
  await writeFile(join(pgdata, 'override.conf'), '');
  await writeFile(join(pgdata, 'pg_hba.conf'), renderPgHba({
    userRules: ['host all all 127.0.0.1/32 trust'], pgMajor: 15,
    ldap: {
      spec: { server: 'ldap.example.com', tls: false, bindSearchAuth: { baseDN: 'dc=x', bindDN: 'cn=a', searchAttribute: 'uid' } },
      bindPassword: 'p"ss\\word',
    },
  }));
  await writeFile(join(pgdata, 'pg_ident.conf'), renderPgIdent({ osUser, userRules: ['mymap alice app_alice'] }));

  assert.equal((await asPostgres('postgres', ['-D', pgdata, '-C', 'cnpg.config_sha256'])).trim(), conf.sha256);
  assert.equal(await asPostgres('postgres', ['-D', pgdata, '-C', 'myapp.note']), `${note}\n`);

  started = true;
  await asPostgres('pg_ctl', ['-D', pgdata, '-w', '-t', '20', '-l', join(root, 'start.log'), 'start']);
  const psql = (sql: string): Promise<string> =>
    asPostgres('psql', ['-h', paths.socketDir, '-d', 'postgres', '-X', '-At', '-c', sql]);
  assert.equal(await psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL'), '0\n');
  assert.equal(await psql('SELECT count(*) FROM pg_hba_file_rules'), '9\n');
  assert.match(await psql("SELECT options::text FROM pg_hba_file_rules WHERE auth_method = 'ldap'"), /ldapbindpasswd=p\\"ss\\\\word/);
  assert.equal(await psql('SELECT count(*) FROM pg_ident_file_mappings WHERE error IS NULL'), '5\n');
  assert.equal(await psql("SELECT current_setting('cnpg.config_sha256')"), `${conf.sha256}\n`);
  assert.equal(await psql('SHOW ssl'), 'on\n');
});
