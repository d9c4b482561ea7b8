// Module hooks of record-loads.ts (they run on the loader's thread): each loaded module's URL, appended to the
// record file through a descriptor opened before the manager drops privileges.
import { openSync, writeSync } from 'node:fs';

let fd: number | undefined;

export function initialize(data: { file: string }): void {
  fd = openSync(data.file, 'a');
}

type NextLoad = (url: string, context: unknown) => unknown;

export function load(url: string, context: unknown, nextLoad: NextLoad): unknown {
  if (fd !== undefined) writeSync(fd, `load ${url}\n`);
  return nextLoad(url, context);
}
