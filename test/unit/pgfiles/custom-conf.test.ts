import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderCustomConf, CUSTOM_CONF_STAMP, type CustomConfInput } from '../../../src/pgfiles/custom-conf.js';
import { escapePostgresConfLiteral } from '../../../src/pgfiles/conf-literal.js';
import { ManagerError } from '../../../src/errors.js';

function input(overrides: Partial<CustomConfInput> = {}): CustomConfInput {
  return {
    parameters: {},
    pgMajor: 15,
    clusterName: 'cluster-example',
    port: 5432,
    listenAddresses: '*',
    paths: { socketDir: '/run/pgim', logDir: '/var/log/pgim', certificatesDir: '/etc/pgim/certs/' },
    sharedPreloadLibraries: [],
    archiveMode: 'off',
    ...overrides,
  };
}

// Lines of the file without the stamp and without the final newline's empty remainder.
function lines(text: string): string[] {
  assert.ok(text.endsWith('\n'), 'file ends with a newline');
  return text.slice(0, -1).split('\n');
}

function settings(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines(text).slice(1)) {
    const m = /^([a-z0-9_.]+) = '(.*)'$/.exec(line);
    assert.ok(m, `line has the key = 'value' shape: ${line}`);
    const [, key = '', value = ''] = m;
    assert.ok(!map.has(key), `key ${key} written once`);
    map.set(key, value);
  }
  return map;
}

test('escapePostgresConfLiteral follows the guc-file.l string grammar', () => {
  const cases: [string, string][] = [
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['C:\\dir', "'C:\\\\dir'"],
    ["\\'", "'\\\\'''"],
    ['a\nb', "'a\\nb'"],
    ['a\r\nb', "'a\\r\\nb'"],
    ['a\tb', "'a\\tb'"],
    ['a\bb', "'a\\bb'"],
    ['a\fb', "'a\\fb'"],
    ['', "''"],
    ['ünïcödé #not a comment', "'ünïcödé #not a comment'"],
  ];
  for (const [value, expected] of cases) assert.equal(escapePostgresConfLiteral(value), expected, JSON.stringify(value));
  assert.throws(() => escapePostgresConfLiteral('a\0b'), ManagerError);
});

test('user values are escaped in the rendered file and never break a line', () => {
  const { text } = renderCustomConf(input({ parameters: { 'myapp.note': "it's\na\\b\tc" } }));
  assert.equal(settings(text).get('myapp.note'), "it''s\\na\\\\b\\tc");
});

test('layout: stamp first, sorted parameters, cnpg.* after the rest, checksum last', () => {
  const { text, sha256 } = renderCustomConf(
    input({ parameters: { work_mem: '8MB', 'cnpg.zzz': '1', 'cnpg.aaa': '2', 'zz.custom': 'x', 'aa.custom': 'y' } }),
  );
  const all = lines(text);
  assert.equal(all[0], CUSTOM_CONF_STAMP);
  const keys = all.slice(1).map((l) => l.split(' = ')[0] ?? '');
  const cnpgStart = keys.findIndex((k) => k.startsWith('cnpg.'));
  const plain = keys.slice(0, cnpgStart);
  const cnpg = keys.slice(cnpgStart);
  assert.deepEqual(plain, [...plain].sort());
  assert.ok(plain.every((k) => !k.startsWith('cnpg.')));
  assert.deepEqual(cnpg, ['cnpg.aaa', 'cnpg.zzz', 'cnpg.config_sha256']);
  assert.equal(all.at(-1), `cnpg.config_sha256 = '${sha256}'`);
  assert.match(sha256, /^[0-9a-f]{64}$/);
});

test('the checksum covers exactly the non-cnpg parameter lines', () => {
  const { text, sha256 } = renderCustomConf(input({ parameters: { work_mem: '8MB', 'cnpg.extra': 'x' } }));
  const body = lines(text)
    .slice(1)
    .filter((l) => !l.startsWith('cnpg.'))
    .map((l) => `${l}\n`)
    .join('');
  assert.equal(createHash('sha256').update(body).digest('hex'), sha256);
});

test('the checksum changes if and only if a non-cnpg line changes', () => {
  const base = renderCustomConf(input({ parameters: { work_mem: '8MB', 'cnpg.extra': 'x' } }));
  const same = renderCustomConf(input({ parameters: { 'cnpg.extra': 'x', work_mem: '8MB' } }));
  assert.equal(same.text, base.text, 'insertion order does not matter');
  const cnpgOnly = renderCustomConf(input({ parameters: { work_mem: '8MB', 'cnpg.extra': 'y' } }));
  assert.notEqual(cnpgOnly.text, base.text);
  assert.equal(cnpgOnly.sha256, base.sha256);
  for (const changed of [
    input({ parameters: { work_mem: '16MB', 'cnpg.extra': 'x' } }),
    input({ parameters: { work_mem: '8MB', 'cnpg.extra': 'x', maintenance_work_mem: '64MB' } }),
    input({ parameters: { work_mem: '8MB', 'cnpg.extra': 'x' }, port: 5433 }),
    input({ parameters: { work_mem: '8MB', 'cnpg.extra': 'x' }, clusterName: 'other' }),
  ]) {
    assert.notEqual(renderCustomConf(changed).sha256, base.sha256);
  }
});

test('defaults, mandatory settings on our paths, archive_mode off and no archive_command', () => {
  const conf = settings(renderCustomConf(input()).text);
  const expected: Record<string, string> = {
    archive_mode: 'off',
    cluster_name: 'cluster-example',
    hot_standby: 'true',
    listen_addresses: '*',
    log_destination: 'csvlog',
    log_directory: '/var/log/pgim',
    log_filename: 'postgres',
    logging_collector: 'on',
    port: '5432',
    restart_after_crash: 'false',
    shared_preload_libraries: '',
    ssl: 'on',
    ssl_ca_file: '/etc/pgim/certs/client-ca.crt',
    ssl_cert_file: '/etc/pgim/certs/server.crt',
    ssl_key_file: '/etc/pgim/certs/server.key',
    ssl_min_protocol_version: 'TLSv1.3',
    unix_socket_directories: '/run/pgim',
    wal_level: 'logical',
  };
  for (const [key, value] of Object.entries(expected)) assert.equal(conf.get(key), value, key);
  assert.equal(conf.has('archive_command'), false);
  assert.equal(conf.has('allow_alter_system'), false, 'only from PostgreSQL 17');
  assert.equal(settings(renderCustomConf(input({ pgMajor: 17 })).text).get('allow_alter_system'), 'off');
});

test('user parameters override defaults; fixed and blocked ones are dropped, whatever their case', () => {
  const conf = settings(
    renderCustomConf(
      input({
        parameters: {
          wal_level: 'replica',
          ssl_min_protocol_version: 'TLSv1.2',
          Work_Mem: '4MB',
          port: '1',
          PORT: '2',
          archive_mode: 'on',
          archive_command: '/bin/true',
          log_directory: '/tmp/evil',
          listen_addresses: '0.0.0.0',
          ssl_cert_file: '/tmp/evil.crt',
          shared_preload_libraries: 'evil',
          cluster_name: 'evil',
          restart_after_crash: 'true',
          'cnpg.config_sha256': 'forged',
        },
      }),
    ).text,
  );
  assert.equal(conf.get('wal_level'), 'replica');
  assert.equal(conf.get('ssl_min_protocol_version'), 'TLSv1.2');
  assert.equal(conf.get('work_mem'), '4MB');
  assert.equal(conf.get('port'), '5432');
  assert.equal(conf.get('archive_mode'), 'off');
  assert.equal(conf.has('archive_command'), false);
  assert.equal(conf.get('log_directory'), '/var/log/pgim');
  assert.equal(conf.get('listen_addresses'), '*');
  assert.equal(conf.get('ssl_cert_file'), '/etc/pgim/certs/server.crt');
  assert.equal(conf.get('shared_preload_libraries'), '');
  assert.equal(conf.get('cluster_name'), 'cluster-example');
  assert.equal(conf.get('restart_after_crash'), 'false');
  assert.notEqual(conf.get('cnpg.config_sha256'), 'forged');
});

test('managed libraries follow user libraries when their namespace is used, deduplicated', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [[], {}, ''],
    [['timescaledb'], {}, 'timescaledb'],
    [[], { 'pg_stat_statements.max': '1000' }, 'pg_stat_statements'],
    [['timescaledb', 'pg_stat_statements'], { 'pg_stat_statements.max': '1000', 'pgaudit.log': 'all' }, 'timescaledb,pg_stat_statements,pgaudit'],
    [[], { 'auto_explain.log_min_duration': '1s', 'pgaudit.log': 'ddl' }, 'pgaudit,auto_explain'],
    [['a', 'a', ' b '], { pgauditx: '1', 'auto_explainx.y': '1' }, 'a,b'],
  ];
  for (const [libs, parameters, expected] of cases) {
    const conf = settings(renderCustomConf(input({ sharedPreloadLibraries: libs, parameters })).text);
    assert.equal(conf.get('shared_preload_libraries'), expected, JSON.stringify({ libs, parameters }));
  }
});

test('a parameter name the lexer would not read as one token is refused', () => {
  for (const bad of ['work mem', "x'", 'a\nb = 1', 'a.b.c', '1abc', '']) {
    assert.throws(() => renderCustomConf(input({ parameters: { [bad]: 'v' } })), ManagerError, JSON.stringify(bad));
  }
});

test('recovery_init_sync_method is syncfs from PostgreSQL 14 on, unless the Cluster sets it', () => {
  assert.equal(settings(renderCustomConf(input()).text).get('recovery_init_sync_method'), 'syncfs');
  assert.equal(settings(renderCustomConf(input({ pgMajor: 13 })).text).has('recovery_init_sync_method'), false);
  assert.equal(settings(renderCustomConf(input({ parameters: { recovery_init_sync_method: 'fsync' } })).text).get('recovery_init_sync_method'), 'fsync');
});

test('temp_tablespaces comes from the temporary tablespaces, never from the user', () => {
  assert.match(renderCustomConf(input({ tempTablespaces: 'a,b' })).text, /^temp_tablespaces = 'a,b'$/m);
  assert.doesNotMatch(renderCustomConf(input({ parameters: { temp_tablespaces: 'x' } })).text, /temp_tablespaces/);
});
