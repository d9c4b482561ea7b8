// A writer that writes a file in place piece by piece with pauses, as `generator > cluster.yaml` does.
import { closeSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Truncates `path`, then writes each piece in turn, pausing `pauseMs` after each (the generator computing its next). */
export async function writeInPieces(path: string, pieces: readonly string[], pauseMs = 40): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    for (const piece of pieces) {
      writeSync(fd, piece);
      await sleep(pauseMs);
    }
  } finally {
    closeSync(fd);
  }
}
