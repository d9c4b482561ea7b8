// Whether the designated primary may promote on a promotion token (CNPG pkg/promotiontoken/promotion_token.go
// ValidateAgainstInstanceStatus, internal/management/controller/instance_token.go): the system identifier must
// be the token's; the timeline and the REDO location of the latest checkpoint (after a CHECKPOINT, which on a
// standby is a restartpoint) must equal the token's. Behind: wait (retried); ahead or another system: never
// (the demoted cluster wrote more than the token says, so promoting here would lose it). Pure: a table test
// covers every row (test/unit/replication/promotion-token-check.test.ts).
import { parseLsn } from '../model/lsn.js';
import type { TokenContent } from '../spec/promotion-token.js';

/** The facts pg_controldata gives after the CHECKPOINT. */
export interface ReplayFacts {
  systemId: string;
  timeline: string;
  redoLsn: string;
}

export type TokenVerdict = { kind: 'promote' } | { kind: 'wait'; reason: string } | { kind: 'refuse'; reason: string };

/** CNPG's three checks, in its order: system identifier, timeline, REDO LSN. */
export function checkPromotionToken(token: TokenContent, facts: ReplayFacts): TokenVerdict {
  if (token.databaseSystemIdentifier !== facts.systemId) {
    return { kind: 'refuse', reason: `mismatching system identifiers, current:${facts.systemId} wanted:${token.databaseSystemIdentifier}` };
  }
  const wantedTli = /^\d+$/.test(token.latestCheckpointTimelineID) ? Number(token.latestCheckpointTimelineID) : NaN;
  const currentTli = /^\d+$/.test(facts.timeline) ? Number(facts.timeline) : NaN;
  if (Number.isNaN(wantedTli)) return { kind: 'refuse', reason: `promotion token timeline is not an integer: ${token.latestCheckpointTimelineID}` };
  if (Number.isNaN(currentTli)) return { kind: 'refuse', reason: `current timeline is not an integer: ${facts.timeline}` };
  if (wantedTli > currentTli) return { kind: 'wait', reason: `requested timeline not reached, current:${currentTli} wanted:${wantedTli}` };
  if (wantedTli < currentTli) return { kind: 'refuse', reason: `requested timeline is older than current one, current:${currentTli} wanted:${wantedTli}` };
  const wanted = parseLsn(token.latestCheckpointREDOLocation);
  const replayed = parseLsn(facts.redoLsn);
  if (wanted === undefined) return { kind: 'refuse', reason: `promotion token LSN is invalid: ${token.latestCheckpointREDOLocation}` };
  if (replayed === undefined) return { kind: 'refuse', reason: `last replay LSN is invalid: ${facts.redoLsn}` };
  if (wanted < replayed) return { kind: 'refuse', reason: `promotion token LSN (${token.latestCheckpointREDOLocation}) is older than the last replay LSN (${facts.redoLsn})` };
  if (replayed < wanted) return { kind: 'wait', reason: `waiting for promotion token LSN (${token.latestCheckpointREDOLocation}) to be replayed (the last replayed LSN is ${facts.redoLsn})` };
  return { kind: 'promote' };
}

/** ShouldPromoteFromReplicaCluster: a token is set and differs from status.lastPromotionToken. */
export function tokenToVerify(promotionToken: string | undefined, lastPromotionToken: unknown): string | undefined {
  if (promotionToken === undefined || promotionToken === '' || promotionToken === lastPromotionToken) return undefined;
  return promotionToken;
}

/** The demotion token of a cleanly stopped primary, from its pg_controldata fields (CNPG PgControldataTokenContent). */
export function tokenFromControlData(control: Readonly<Record<string, string>>, operatorVersion: string): TokenContent {
  const field = (name: string): string => control[name] ?? ''; // eslint-disable-line security/detect-object-injection -- pg_controldata's names
  return {
    latestCheckpointTimelineID: field("Latest checkpoint's TimeLineID"),
    redoWalFile: field("Latest checkpoint's REDO WAL file"),
    databaseSystemIdentifier: field('Database system identifier'),
    latestCheckpointREDOLocation: field("Latest checkpoint's REDO location"),
    timeOfLatestCheckpoint: field('Time of latest checkpoint'),
    operatorVersion,
  };
}
