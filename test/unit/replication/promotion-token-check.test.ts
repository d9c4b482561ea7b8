// The promotion-token decision (CNPG pkg/promotiontoken ValidateAgainstInstanceStatus), one row per case:
// only an exact match of system identifier, timeline and REDO location promotes; behind waits; ahead or
// another system never promotes. Plus the token's encoding round trip and the demotion token's fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPromotionToken, tokenFromControlData, tokenToVerify, type ReplayFacts, type TokenVerdict } from '../../../src/replication/promotion-token-check.js';
import { encodePromotionToken, parsePromotionToken, type TokenContent } from '../../../src/spec/promotion-token.js';

const TOKEN: TokenContent = {
  latestCheckpointTimelineID: '2',
  redoWalFile: '000000020000000000000005',
  databaseSystemIdentifier: '7450000000000000001',
  latestCheckpointREDOLocation: '0/5000028',
  timeOfLatestCheckpoint: 'Mon 07 Dec 2026 11:00:00 AM UTC',
  operatorVersion: '0.1.0',
};

const facts = (systemId: string, timeline: string, redoLsn: string): ReplayFacts => ({ systemId, timeline, redoLsn });

const ROWS: [string, ReplayFacts, TokenVerdict['kind'], RegExp?][] = [
  ['exact match', facts('7450000000000000001', '2', '0/5000028'), 'promote'],
  ['exact match, LSN written in lower case', facts('7450000000000000001', '2', '0/5000028'.toLowerCase()), 'promote'],
  ['another system', facts('7450000000000000002', '2', '0/5000028'), 'refuse', /mismatching system identifiers/],
  ['timeline not reached', facts('7450000000000000001', '1', '0/4000000'), 'wait', /requested timeline not reached/],
  ['timeline already newer', facts('7450000000000000001', '3', '0/5000028'), 'refuse', /older than current one/],
  ['LSN not yet replayed', facts('7450000000000000001', '2', '0/4FFFFFF'), 'wait', /waiting for promotion token LSN/],
  ['LSN passed: the demoted side wrote less than replayed here', facts('7450000000000000001', '2', '0/6000000'), 'refuse', /is older than the last replay LSN/],
  ['LSN across the 4 GB boundary', facts('7450000000000000001', '2', '1/0'), 'refuse', /older than the last replay/],
  ['garbage timeline', facts('7450000000000000001', 'two', '0/5000028'), 'refuse', /not an integer/],
  ['garbage LSN', facts('7450000000000000001', '2', 'zz'), 'refuse', /last replay LSN is invalid/],
];

for (const [name, f, kind, message] of ROWS) {
  test(`promotion token: ${name} -> ${kind}`, () => {
    const verdict = checkPromotionToken(TOKEN, f);
    assert.equal(verdict.kind, kind);
    if (message && verdict.kind !== 'promote') assert.match(verdict.reason, message);
  });
}

test('a token round-trips and every field is required', () => {
  assert.deepEqual(parsePromotionToken(encodePromotionToken(TOKEN)), TOKEN);
  assert.throws(() => parsePromotionToken(encodePromotionToken({ ...TOKEN, redoWalFile: '' })), /redoWalFile is empty/);
  assert.throws(() => parsePromotionToken('not base64 json!'), /not base64-encoded JSON/);
  assert.throws(() => parsePromotionToken(Buffer.from('[1]').toString('base64')), /not a JSON object/);
});

test('a token is verified once: not again when status.lastPromotionToken holds it', () => {
  assert.equal(tokenToVerify(undefined, undefined), undefined);
  assert.equal(tokenToVerify('abc', 'abc'), undefined);
  assert.equal(tokenToVerify('abc', 'old'), 'abc');
});

test('the demotion token is made of pg_controldata fields', () => {
  const control = {
    "Latest checkpoint's TimeLineID": '2',
    "Latest checkpoint's REDO WAL file": '000000020000000000000005',
    'Database system identifier': '7450000000000000001',
    "Latest checkpoint's REDO location": '0/5000028',
    'Time of latest checkpoint': 'Mon 07 Dec 2026 11:00:00 AM UTC',
  };
  assert.deepEqual(tokenFromControlData(control, '0.1.0'), TOKEN);
});
