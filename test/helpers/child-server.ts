// A test server run as a child Node process on 127.0.0.1 and a fixed port, which can be stopped (SIGKILL: an
// outage) and started again on the same port and data. A child, not in-process: the tests run psql
// synchronously, which would freeze an in-process server. s3-server.ts and azurite-server.ts use it.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { waitUntil } from './lifecycle-procs.js';

export interface ChildServer {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** `node <args>` as a server listening on `port`; `start` resolves once it accepts connections. */
export function childServer(name: string, port: number, args: string[], startMs = 20_000): ChildServer {
  let child: ChildProcess | undefined;
  return {
    async start() {
      child = spawn(process.execPath, args, { stdio: 'ignore' });
      await waitUntil(async () => (await listening(port)) || undefined, startMs, `${name} listening`);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
}
