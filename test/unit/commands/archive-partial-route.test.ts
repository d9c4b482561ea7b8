// POST /pg/archive/partial's refusals before anything is archived, with CNPG's codes: not fenced (or postgres
// still running), the Cluster unreadable, this instance not both targetPrimary and currentPrimary, no REDO WAL
// file from pg_controldata (here: no PGDATA at all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { archivePartialRoute, type ArchivePartialNeeds } from '../../../src/commands/archive-partial-route.js';
import { createRootLogger } from '../../../src/log/logger.js';
import type { Cluster } from '../../../src/spec/cluster.js';
import { HttpError } from '../../../src/status/respond.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { FenceSwitch } from '../../../src/supervisor/fence-switch.js';

function needs(o: { fenced: boolean; running?: boolean; status?: Record<string, unknown>; load?: 'fails' }): ArchivePartialNeeds {
  const fencing = new FenceSwitch();
  fencing.set(o.fenced);
  const cluster = { name: 'pg', spec: {}, status: o.status ?? {} } as unknown as Cluster;
  return {
    config: { pgBin: '/usr/lib/postgresql/15/bin', pgData: '/nonexistent/pgdata' },
    source: { load: () => (o.load === 'fails' ? Promise.reject(new Error('API server unreachable')) : Promise.resolve(cluster)) },
    state: { podName: 'pg-1' },
    registry: createChildRegistry(),
    root: createRootLogger({ level: 'info', destination: new Writable({ write: (_c, _e, done) => done() }) }),
    fencing,
    lifecycle: { current: () => (o.running ? ({} as never) : undefined) },
  } as unknown as ArchivePartialNeeds;
}

const codeOf = (code: string) => (err: unknown): boolean => err instanceof HttpError && err.status === 400 && err.code === code;

test('refused in CNPG\'s order, each with its code', async () => {
  const me = { targetPrimary: 'pg-1', currentPrimary: 'pg-1' };
  await assert.rejects(archivePartialRoute(needs({ fenced: false, status: me }))(), codeOf('NOT_FENCED'));
  await assert.rejects(archivePartialRoute(needs({ fenced: true, running: true, status: me }))(), codeOf('NOT_FENCED'), 'postgres still runs');
  await assert.rejects(archivePartialRoute(needs({ fenced: true, load: 'fails' }))(), codeOf('NO_CLUSTER_FOUND'));
  await assert.rejects(archivePartialRoute(needs({ fenced: true, status: { targetPrimary: 'pg-2', currentPrimary: 'pg-1' } }))(), codeOf('NOT_EXPECTED_PRIMARY'));
  await assert.rejects(archivePartialRoute(needs({ fenced: true, status: me }))(), codeOf('COULD_NOT_PARSE_REDOWAL_FILE'));
});
