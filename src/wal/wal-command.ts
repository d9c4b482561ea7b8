// The `wal-archive` and `wal-restore` subcommands PostgreSQL runs as archive_command / restore_command (CNPG
// argv: `wal-archive --log-destination FILE %p`, `wal-restore [--rewind] --log-destination FILE %f %p`). They
// run once per WAL file, so they load nothing but node:http: the request goes over the manager's local
// channel (wal-channel-server.ts) and the manager, which already holds the store's client and credentials,
// does the work. Exit codes follow barman-cloud-wal-restore's (1 not found, 2 connectivity, 3 bad name, 4
// other), each failure after a 100 ms pause that throttles PostgreSQL's retry loop (CNPG walrestore/cmd.go).
import { request } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CONTAINER_PATHS } from '../config/constants.js';
import { walChannelSocket } from '../config/manager-command.js';

const FAILURE_PAUSE_MS = 100;
const EXIT_OF: Record<number, number> = { 404: 1, 503: 2, 400: 3, 409: 1 };

interface Reply {
  status: number;
  message: string;
}

function post(socketPath: string, path: string, body: unknown): Promise<Reply> {
  return new Promise((done) => {
    const req = request({ socketPath, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let message = '';
        try {
          message = String((JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '');
        } catch {
          message = text;
        }
        done({ status: res.statusCode ?? 500, message });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({ status: 503, message: `the instance manager does not answer on ${socketPath} (${err.code ?? err.message}): is \`instance run\` running?` });
    });
    req.end(JSON.stringify(body));
  });
}

function say(command: string, level: string, msg: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level, ts: new Date().toISOString(), logger: command, msg, ...fields })}\n`);
}

/** Runs `wal-archive ...` or `wal-restore ...` (argv starts with the command); resolves with the exit code. */
export async function walCommand(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      options: { 'log-destination': { type: 'string' }, 'controller-dir': { type: 'string' }, rewind: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    say(String(command), 'error', (err as Error).message, {});
    return 3;
  }
  const socket = walChannelSocket(parsed.values['controller-dir'] ?? process.env.PGIM_CONTROLLER_DIR ?? CONTAINER_PATHS.controller);
  const args = parsed.positionals;
  if (command === 'wal-archive') {
    if (args.length !== 1 || !args[0]) {
      say(command, 'error', 'usage: wal-archive [--log-destination FILE] [--controller-dir DIR] WAL_PATH', {});
      return 3;
    }
    const name = args[0].split('/').at(-1) ?? '';
    const reply = await post(socket, '/wal-archive', { name });
    if (reply.status === 200) return 0;
    say(command, 'warning', 'WAL not archived', { wal: name, error: reply.message });
    return 1;
  }
  if (args.length !== 2 || !args[0] || !args[1]) {
    say(String(command), 'error', 'usage: wal-restore [--rewind] [--log-destination FILE] [--controller-dir DIR] WAL_NAME DEST_PATH', {});
    return 3;
  }
  const reply = await post(socket, '/wal-restore', { name: args[0], dest: resolve(process.cwd(), args[1] ?? ''), rewind: parsed.values.rewind === true });
  if (reply.status === 200) return 0;
  // The end-of-stream refusal is not throttled: PostgreSQL should switch to streaming at once.
  if (reply.status !== 409) await sleep(FAILURE_PAUSE_MS);
  if (reply.status !== 404 && reply.status !== 409) say(String(command), 'warning', 'WAL not restored', { wal: args[0], error: reply.message });
  return EXIT_OF[reply.status] ?? 4;
}
