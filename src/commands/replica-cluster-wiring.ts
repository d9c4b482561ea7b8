// The replica-cluster parts of the role wiring (CNPG internal/management/controller/instance_token.go,
// pkg/reconciler/replicaclusterswitch): the promotion gate of a designated primary (the promotion token must be
// replayed exactly: CHECKPOINT, pg_controldata, replication/promotion-token-check.ts), and the demotion token a
// primary reports when its Cluster turns into a replica cluster (status.demotionToken, which the operator
// builds from /pg/controldata in CNPG; the embedded default has no operator, so the instance writes it).
import { readFileSync } from 'node:fs';
import { packagePath } from '../config/package-root.js';
import { describeError } from '../errors.js';
import { child } from '../log/logger.js';
import { checkpoint } from '../db/promotion-queries.js';
import { checkPromotionToken, tokenFromControlData, tokenToVerify } from '../replication/promotion-token-check.js';
import { encodePromotionToken, parsePromotionToken } from '../spec/promotion-token.js';
import type { Cluster } from '../spec/cluster.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import type { Prepared } from './prepare.js';

/** CNPG's phases of a replica-cluster promotion (api/v1 cluster_types.go). */
export const PROMOTION_PHASES = Object.freeze({
  waiting: 'Promoting to primary cluster',
  unrecoverable: 'Cluster is unrecoverable and needs manual intervention',
});

function version(): string {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own package.json
    const parsed = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function controlData(p: Prepared): Promise<Record<string, string>> {
  const r = await readControlData(p.config.pgBin, p.config.pgData, p.registry);
  if (!r.ok) throw new Error(`pg_controldata failed: ${r.text}`);
  return parseControlData(r.text);
}

/** The gate before a promotion: 'go' without a token to verify, else only once the token's point is replayed. */
export function promotionGate(p: Prepared): (cluster: Cluster) => Promise<{ go: boolean; token?: string }> {
  const log = child(p.root, 'role');
  let said = '';
  return async (cluster) => {
    const token = tokenToVerify(cluster.spec.replica?.promotionToken, cluster.status.lastPromotionToken);
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check; the token is no secret
    if (token === undefined) {
      p.state.heldPhase = undefined;
      return { go: true };
    }
    let verdict;
    try {
      const content = parsePromotionToken(token);
      const { withClient } = await p.db.load();
      await withClient(p.db.target, checkpoint);
      const c = await controlData(p);
      verdict = checkPromotionToken(content, { systemId: c['Database system identifier'] ?? '', timeline: c["Latest checkpoint's TimeLineID"] ?? '', redoLsn: c["Latest checkpoint's REDO location"] ?? '' });
    } catch (err) {
      verdict = { kind: 'wait' as const, reason: `while verifying the promotion token: ${describeError(err)}` };
    }
    if (verdict.kind === 'promote') {
      log.info('promotion token verified: the designated primary has replayed up to the demoted cluster\'s last checkpoint');
      p.state.heldPhase = undefined;
      return { go: true, token };
    }
    if (verdict.reason !== said) {
      if (verdict.kind === 'wait') log.info({ reason: verdict.reason }, 'promotion token: not promoting yet');
      else log.error({ reason: verdict.reason }, 'promotion token does not match this instance: not promoting (fix spec.replica.promotionToken)');
      said = verdict.reason;
      const phase = verdict.kind === 'wait' ? PROMOTION_PHASES.waiting : PROMOTION_PHASES.unrecoverable;
      // Held: the reconcile of the same Cluster version would otherwise write its own phase over it.
      p.state.heldPhase = { phase, reason: verdict.reason };
      await p.source.patchStatus({ phase, phaseReason: verdict.reason }).catch(() => undefined);
    }
    return { go: false };
  };
}

/** Reports status.demotionToken from the cleanly stopped PGDATA of a primary about to follow a source cluster. */
export function demotionTokenReporter(p: Prepared): (cluster: Cluster) => Promise<void> {
  return async () => {
    const c = await controlData(p);
    const state = c['Database cluster state'] ?? '';
    // Only a clean stop ends on a shutdown checkpoint the other side can replay exactly to.
    if (state !== 'shut down') {
      child(p.root, 'role').warn({ state }, 'no demotion token: PGDATA was not shut down cleanly');
      return;
    }
    const demotionToken = encodePromotionToken(tokenFromControlData(c, version()));
    await p.source.patchStatus({ demotionToken });
    child(p.root, 'role').info({ redoLsn: c["Latest checkpoint's REDO location"] }, 'demotion token reported in status.demotionToken');
  };
}
