// PostgreSQL itself accepts the provisioned material: ssl=on with the rendered files, TLS 1.3 only,
// verify-full from libpq, and cert authentication of streaming_replica by its client certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { DEFAULT_PG_BIN } from '../../../src/config/constants.js';
import { provisionLocalSecrets } from '../../../src/tls/provision-local.js';
import { renderTlsFiles, writeTlsFiles } from '../../../src/tls/tls-files.js';
import { captureLog, fakeSecretStore } from './fake-secrets.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';

const pgBin = process.env.PG_BIN ?? DEFAULT_PG_BIN;

// initdb refuses root: as root, run every postgres program as the postgres user.
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => srv.once('listening', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`postgres not ready after ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${String(code)}:\n${output}`));
    });
  });
}

const user = runAs();
const skip = !existsSync(join(pgBin, 'postgres'))
  ? 'no postgres binaries'
  : process.getuid?.() === 0 && !user
    ? 'root without a postgres user'
    : false;

test(
  'postgres serves TLS 1.3 with the provisioned files and authenticates streaming_replica by certificate',
  { skip, timeout: 60_000 },
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'tls-postgres-'));
    const own = user ? { uid: user.uid, gid: user.gid } : {};
    let postgres: ChildProcess | undefined;
    try {
      const store = fakeSecretStore();
      await provisionLocalSecrets({
        clusterName: 'c1',
        appUser: 'app',
        appDatabase: 'app',
        log: captureLog(),
        registry: createChildRegistry(),
        getSecret: (n) => store.getSecret(n),
        createSecret: (n, d) => store.createSecret(n, d),
      });
      const caSecret = store.secrets.get('c1-ca');
      const certs = join(root, 'certificates');
      await writeTlsFiles(
        certs,
        renderTlsFiles({
          serverSecret: store.secrets.get('c1-server'),
          replicationSecret: store.secrets.get('c1-replication'),
          clientCaSecret: caSecret,
          serverCaSecret: caSecret,
        }),
      );
      const pgdata = join(root, 'pgdata');
      const sockets = join(root, 'run');
      if (user) {
        chmodSync(root, 0o755);
        for (const p of [certs, ...readdirSync(certs).map((f) => join(certs, f))]) chownSync(p, user.uid, user.gid);
        for (const dir of [pgdata, sockets])
          execFileSync('install', ['-d', '-o', String(user.uid), '-g', String(user.gid), '-m', '700', dir]);
      } else {
        execFileSync('install', ['-d', '-m', '700', sockets]);
      }
      execFileSync(join(pgBin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], {
        ...own,
        stdio: 'ignore',
      });
      writeFileSync(
        join(pgdata, 'pg_hba.conf'),
        'local all all trust\nhostssl all streaming_replica 127.0.0.1/32 cert\n',
      );
      const port = await freePort();
      postgres = spawn(
        join(pgBin, 'postgres'),
        [
          '-D',
          pgdata,
          '-p',
          String(port),
          '-k',
          sockets,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'ssl=on',
          '-c',
          `ssl_cert_file=${join(certs, 'server.crt')}`,
          '-c',
          `ssl_key_file=${join(certs, 'server.key')}`,
          '-c',
          `ssl_ca_file=${join(certs, 'client-ca.crt')}`,
          '-c',
          'ssl_min_protocol_version=TLSv1.3',
          '-c',
          'ssl_max_protocol_version=TLSv1.3',
        ],
        { ...own, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      await waitForReady(postgres, 30_000);

      const psql = (conninfo: string, sql: string): string =>
        execFileSync(join(pgBin, 'psql'), ['-X', '-A', '-t', '-d', conninfo, '-c', sql], {
          ...own,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }).trim();
      psql(`host=${sockets} port=${port} user=postgres dbname=postgres`, 'CREATE ROLE streaming_replica LOGIN');
      const tls = `port=${port} user=streaming_replica dbname=postgres sslmode=verify-full sslrootcert=${join(certs, 'server-ca.crt')} sslcert=${join(certs, 'streaming_replica.crt')} sslkey=${join(certs, 'streaming_replica.key')}`;
      const query = 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
      // verify-full by name (the rw service, via hostaddr) and by IP SAN.
      assert.equal(psql(`host=c1-rw hostaddr=127.0.0.1 ${tls}`, query), 't|TLSv1.3');
      assert.equal(psql(`host=127.0.0.1 ${tls}`, query), 't|TLSv1.3');
      assert.throws(() => psql(`host=c1-ro hostaddr=127.0.0.1 ${tls}`, query), /does not match host name/);
    } finally {
      if (postgres && postgres.exitCode === null) {
        const exited = new Promise((resolve) => postgres?.once('exit', resolve));
        postgres.kill('SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    }
  },
);
