// One HTTP server on a Unix socket that only its owner can open (0600): the manager's local channels
// (src/wal/wal-channel-server.ts, src/backup/backup-socket.ts), in place of CNPG's localhost:8010.
import { chmod, rm } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';

/** Listens on `path` (a socket left by a killed manager is replaced: nobody listens on it, we hold PGDATA's lock) until `signal` aborts; `closed` once closed. */
export async function serveUnixSocket(path: string, listener: RequestListener, signal: AbortSignal): Promise<{ closed: Promise<void> }> {
  await rm(path, { force: true });
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the manager's own run folder
  await chmod(path, 0o600);
  const closed = new Promise<void>((resolve) => {
    const close = (): void => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    if (signal.aborted) close();
    else signal.addEventListener('abort', close, { once: true });
  });
  return { closed };
}
