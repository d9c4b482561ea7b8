// Declarative Databases as a part of `instance run` (CNPG runs its DatabaseReconciler inside the instance
// manager: internal/management/controller/database_controller.go). The objects come from the manifest file
// with status files beside the status file (embedded default, as the Backup files of backup-part.ts), or
// from the Kubernetes API through the spec source's client.
import { dirname, join } from 'node:path';
import { EXIT } from '../config/constants.js';
import { child } from '../log/logger.js';
import { DatabaseLoop } from '../databases/database-loop.js';
import { DatabaseReconciler, type Queryable } from '../databases/database-reconciler.js';
import { DatabaseFiles } from '../source/database-files.js';
import type { DatabaseSource } from '../source/database-source.js';
import type { Part } from './part-group.js';
import type { Prepared } from './prepare.js';

function databaseSource(p: Prepared): DatabaseSource | undefined {
  if (p.config.statusFile && p.config.clusterManifest) return new DatabaseFiles(p.config.clusterManifest, join(dirname(p.config.statusFile), 'databases'));
  const source = p.source as Partial<{ databaseSource: () => DatabaseSource }>;
  return typeof source.databaseSource === 'function' ? source.databaseSource() : undefined;
}

/** The Database loop of this instance, or undefined when its source has no Databases. */
export function databaseLoop(p: Prepared): { loop: DatabaseLoop; source: DatabaseSource } | undefined {
  const source = databaseSource(p);
  if (!source) return undefined;
  const log = child(p.root, 'databases');
  const session = async <T>(database: string, fn: (db: Queryable) => Promise<T>): Promise<T> => (await p.db.load()).withClient({ ...p.db.target, database }, fn);
  const reconciler = new DatabaseReconciler({ source, clusterName: p.cluster.name, session, log });
  // The primary applies; a replica gets the result through WAL (CNPG: currentPrimary only).
  const loop = new DatabaseLoop({ reconciler, primary: () => p.state.role === 'primary' && p.state.ready, log });
  return { loop, source };
}

/** Follows the source's changes and runs the passes until stopped; ready at once (postgres may be starting). */
export function databasesPart({ loop, source }: { loop: DatabaseLoop; source: DatabaseSource }): Part {
  return {
    name: 'databases',
    stopOrder: 0,
    exitCode: EXIT.parts.specWatch,
    async start(signal, ready) {
      ready();
      await Promise.all([source.follow(signal, () => loop.nudge()), loop.run(signal)]);
    },
  };
}
