// Ports claimed across the test processes that run side by side (`node --test --test-concurrency=3` runs each
// file in its own process). A port that is free now is not free for good: a test that kills an instance leaves
// its ports free until the instance comes back, and another file's freePort() must not hand them out meanwhile.
// A claim is a file named after the port holding the claiming process's pid, created with O_EXCL; a claim
// whose process is gone is taken over.
import { mkdirSync, openSync, readFileSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../src/source/status-lock.js';

const DIR = join(tmpdir(), 'pgim-test-port-claims');

/** Claims `port` for this process; false when a live test process (this one too) claimed it before. */
export function claimPort(port: number): boolean {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, String(port));
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number(readFileSync(path, 'utf8'));
  if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) return false;
  writeFileSync(path, String(process.pid));
  return true;
}
