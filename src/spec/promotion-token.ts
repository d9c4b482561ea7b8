// CNPG's promotion (and demotion) token: base64 of the JSON of a few pg_controldata facts (pkg/utils/parser.go
// PgControldataTokenContent, Encode, IsValid). A demoted primary cluster reports it as status.demotionToken; the
// replica cluster to promote gets it as spec.replica.promotionToken and promotes only once its designated
// primary has replayed exactly to that point (replication/promotion-token-check.ts).

/** The token's content, with CNPG's JSON names. */
export interface TokenContent {
  latestCheckpointTimelineID: string;
  redoWalFile: string;
  databaseSystemIdentifier: string;
  latestCheckpointREDOLocation: string;
  timeOfLatestCheckpoint: string;
  operatorVersion: string;
}

const FIELDS = ['latestCheckpointTimelineID', 'redoWalFile', 'databaseSystemIdentifier', 'latestCheckpointREDOLocation', 'timeOfLatestCheckpoint', 'operatorVersion'] as const;

/** Decodes and checks a token; throws saying what is wrong with it (never echoing it whole). */
export function parsePromotionToken(token: string): TokenContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw new Error('invalid promotion token: not base64-encoded JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('invalid promotion token: not a JSON object');
  const record = parsed as Record<string, unknown>;
  const out: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const key of FIELDS) {
    const value = record[key]; // eslint-disable-line security/detect-object-injection -- fixed names
    // IsValid: every field is required and non-empty.
    if (typeof value !== 'string' || value === '') throw new Error(`invalid promotion token (${key} is empty)`);
    out[key] = value; // eslint-disable-line security/detect-object-injection -- fixed names
  }
  return out as TokenContent;
}

/** Encodes a token as CNPG does (base64 of the JSON, standard alphabet). */
export function encodePromotionToken(content: TokenContent): string {
  return Buffer.from(JSON.stringify(content), 'utf8').toString('base64');
}
