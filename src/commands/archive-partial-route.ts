// The status API's POST /pg/archive/partial, which CNPG's operator calls on a fenced primary before it builds the
// demotion token of a Cluster switched into replica mode (pkg/management/postgres/webserver/remote.go
// pgArchivePartial): fenced (postgres down), a fresh read of the Cluster, this instance both targetPrimary and
// currentPrimary; then the REDO WAL file of pg_controldata is archived as `<segment>.partial`
// (src/replication/archive-partial-wal.ts). Errors carry CNPG's codes; the answer is `{"data": "<segment>"}`.
import { describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { HttpError } from '../status/respond.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import type { FenceSwitch } from '../supervisor/fence-switch.js';
import type { Lifecycle } from '../supervisor/lifecycle.js';
import type { ArchiverNeeds } from './archive-leftover-wal.js';

export interface ArchivePartialNeeds extends ArchiverNeeds {
  root: Logger;
  fencing: FenceSwitch;
  lifecycle: Pick<Lifecycle, 'current'>;
}

/** The route's work: resolves with the archived segment's name, or rejects with an HttpError. */
export function archivePartialRoute(p: ArchivePartialNeeds): () => Promise<string> {
  const log = child(p.root, 'archive-partial');
  return async () => {
    if (!p.fencing.on || p.lifecycle.current() !== undefined) throw new HttpError(400, 'NOT_FENCED', 'the instance is not fenced (or postgres still runs): the partial WAL of a running server is not final');
    const cluster = await p.source.load().catch((err: unknown) => {
      throw new HttpError(400, 'NO_CLUSTER_FOUND', `could not read the Cluster: ${describeError(err)}`);
    });
    const me = p.state.podName;
    if (cluster.status.targetPrimary !== me || cluster.status.currentPrimary !== me) {
      throw new HttpError(400, 'NOT_EXPECTED_PRIMARY', `this instance (${me}) is not both targetPrimary and currentPrimary`);
    }
    const control = await readControlData(p.config.pgBin, p.config.pgData, p.registry);
    const redoWalFile = control.ok ? parseControlData(control.text)["Latest checkpoint's REDO WAL file"] : undefined;
    if (!redoWalFile) throw new HttpError(400, 'COULD_NOT_PARSE_REDOWAL_FILE', 'pg_controldata gave no REDO WAL file');
    try {
      const name = await (await import('./archive-leftover-wal.js')).archivePartialSegment(p, cluster, log, redoWalFile);
      log.info({ wal: name }, 'partial WAL archived for the operator');
      return redoWalFile;
    } catch (err) {
      throw new HttpError(400, 'ERROR_WHILE_EXECUTING_WAL_ARCHIVE', `archiving ${redoWalFile}.partial failed: ${describeError(err)}`);
    }
  };
}
