// An `--import` preload for the built manager (test/integration/lifecycle-module-loads.test.ts): it writes to
// the file named by PGIM_TEST_LOAD_RECORD, one line per event, in the order they happened:
//   load <url>            each ES module the loader loads (record-loads-hooks.ts: the bundle's chunks)
//   spawn <name>          each process spawned through node:child_process (the postmaster is `spawn postgres`)
//   builtins <json>       at exit, Node's list of every built-in module loaded (process.moduleLoadList)
// The file is opened here, before the manager drops privileges, and written through that descriptor.
import { openSync, writeSync } from 'node:fs';
import { createRequire, register, syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const file = process.env['PGIM_TEST_LOAD_RECORD'];
if (file === undefined) throw new Error('record-loads: PGIM_TEST_LOAD_RECORD is not set');
const fd = openSync(file, 'a', 0o600);
const note = (line: string): void => {
  writeSync(fd, `${line}\n`);
};

register('./record-loads-hooks.js', import.meta.url, { data: { file } });

// Patched on the module object, which both `require('node:child_process')` and (after the sync) an ESM
// import of it see, so the line is written just before the process is spawned.
type Spawn = (file: string, ...rest: unknown[]) => unknown;
const childProcess = createRequire(import.meta.url)('node:child_process') as { spawn: Spawn };
const spawn = childProcess.spawn;
childProcess.spawn = function (this: unknown, command: string, ...rest: unknown[]): unknown {
  note(`spawn ${basename(String(command))}`);
  return spawn.call(this, command, ...rest);
};
syncBuiltinESMExports();

process.on('exit', () => {
  note(`builtins ${JSON.stringify((process as unknown as { moduleLoadList: string[] }).moduleLoadList)}`);
});
