// The excess-permissions condition: upserted into the full conditions list (a merge patch replaces lists),
// the others kept, lastTransitionTime kept while the status stays; written under the resourceVersion and
// rebuilt from a fresh read on a 409 so an operator's concurrent condition change is not lost.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, type KubeObject } from '../../../src/kube/kube-api.js';
import { EXCESS_PERMISSIONS_CONDITION, excessPermissionsCondition, reportExcessPermissions, upsertCondition } from '../../../src/kube/permissions-condition.js';
import { StatusWriter } from '../../../src/kube/status-writer.js';
import { captureLogger } from '../log/capture-logger.js';

const ready = { type: 'Ready', status: 'True', reason: 'ClusterIsReady', message: 'Cluster is Ready', lastTransitionTime: '2024-01-01T00:00:00Z' };
const now = new Date('2025-06-01T12:00:00.123Z');

function obj(conditions: unknown[] | undefined, version = '7'): KubeObject {
  return { metadata: { name: 'c1', resourceVersion: version, generation: 3 }, status: conditions ? { phase: 'x', conditions } : { phase: 'x' } };
}

describe('upsertCondition', () => {
  const on = excessPermissionsCondition(['list secrets (any name)']);
  const off = excessPermissionsCondition([]);

  it('appends ours after the operator conditions, with a second-precision time', () => {
    const list = upsertCondition(obj([ready]), on.condition, now);
    assert.equal(list?.length, 2);
    assert.deepEqual(list?.[0], ready);
    assert.equal(list?.[1]?.type, EXCESS_PERMISSIONS_CONDITION);
    assert.equal(list?.[1]?.status, 'True');
    assert.equal(list?.[1]?.reason, 'ExcessPermissions');
    assert.match(String(list?.[1]?.message), /list secrets \(any name\)/);
    assert.equal(list?.[1]?.lastTransitionTime, '2025-06-01T12:00:00Z');
    assert.deepEqual(upsertCondition(obj(undefined), on.condition, now)?.map((c) => c.type), [EXCESS_PERMISSIONS_CONDITION]);
  });

  it('is a no-op when nothing changes, keeps the time when only the message changes, and turns False in place', () => {
    const first = upsertCondition(obj([ready]), on.condition, now) ?? [];
    assert.equal(upsertCondition(obj(first), on.condition, new Date()), undefined);
    const more = excessPermissionsCondition(['list secrets (any name)', 'get configmaps (any name)']).condition;
    assert.equal(upsertCondition(obj(first), more, new Date('2030-01-01T00:00:00Z'))?.[1]?.lastTransitionTime, '2025-06-01T12:00:00Z');
    const later = new Date('2026-01-01T00:00:00Z');
    const turned = upsertCondition(obj(first), off.condition, later, off.onlyIfPresent);
    assert.deepEqual(turned?.map((c) => [c.type, c.status, c.reason]), [['Ready', 'True', 'ClusterIsReady'], [EXCESS_PERMISSIONS_CONDITION, 'False', 'PermissionsMatch']]);
    assert.equal(turned?.[1]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  });

  it('a clean check never adds a False condition that was not there', () => {
    assert.equal(upsertCondition(obj([ready]), off.condition, now, off.onlyIfPresent), undefined);
  });
});

describe('reportExcessPermissions through the status writer', () => {
  it('sends the full list under the resourceVersion and rebuilds it after a 409', async () => {
    const sent: KubeObject[] = [];
    let server = obj([ready], '7');
    const operatorCondition = { type: 'ContinuousArchiving', status: 'True', reason: 'ContinuousArchivingSuccess', message: '', lastTransitionTime: '2024-02-02T00:00:00Z' };
    const writer = new StatusWriter({
      send: (patch) => {
        sent.push(patch);
        const version = (patch.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
        if (version !== (server.metadata as { resourceVersion: string }).resourceVersion) return Promise.reject(new KubeApiError('patch', 409, 'the object has been modified'));
        server = { ...server, status: { ...(server.status as object), ...(patch.status as object) } };
        return Promise.resolve(server);
      },
      read: () => Promise.resolve(server),
      known: () => undefined,
      log: captureLogger().root,
    });
    const cached = server;
    // The operator adds a condition after our cache was filled: our first write is refused.
    server = obj([ready, operatorCondition], '8');
    await reportExcessPermissions(writer, cached, ['list secrets (any name)'], captureLogger().root, () => now);
    assert.equal(sent.length, 2);
    assert.deepEqual((sent[0]?.metadata as { resourceVersion: string }).resourceVersion, '7');
    assert.deepEqual((sent[1]?.metadata as { resourceVersion: string }).resourceVersion, '8');
    const final = (server.status as { conditions: { type: string }[] }).conditions.map((c) => c.type);
    assert.deepEqual(final, ['Ready', 'ContinuousArchiving', EXCESS_PERMISSIONS_CONDITION]);
  });

  it('logs and resolves when the API refuses the patch', async () => {
    const log = captureLogger();
    const writer = new StatusWriter({
      send: () => Promise.reject(new KubeApiError('patch', 403, 'forbidden')),
      read: () => Promise.resolve(obj([])),
      known: () => undefined,
      log: log.root,
    });
    await reportExcessPermissions(writer, obj([]), ['x'], log.root);
    assert.ok(log.entries().some((l) => l.msg === 'could not set the status condition'));
  });
});
