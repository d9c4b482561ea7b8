// The plan of foreign data wrappers and servers as a table: declared entry and the catalog -> the statements
// (each naming its field), or the refusal. Option values are quoted literals and left out of the logged text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFdw, planServer, type ForeignPlan } from '../../../src/databases/foreign-plan.js';
import type { ExistingFdw, ExistingServer } from '../../../src/db/foreign-catalog.js';
import type { FdwSpec, ServerSpec } from '../../../src/spec/database-foreign.js';

const fdw = (over: Partial<FdwSpec> = {}): FdwSpec => ({ name: 'w', ensure: 'present', options: [], usage: [], ...over });
const server = (over: Partial<ServerSpec> = {}): ServerSpec => ({ name: 's', ensure: 'present', fdw: 'w', options: [], usage: [], ...over });
const hasFdw = (over: Partial<ExistingFdw> = {}): ExistingFdw => ({ owner: 'postgres', handler: 'h', validator: 'v', options: new Map(), usage: new Set(['postgres']), ...over });
const hasServer = (over: Partial<ExistingServer> = {}): ExistingServer => ({ fdw: 'w', options: new Map(), usage: new Set(['postgres']), ...over });

// Each row: the plan's statements as [field, sql], or a RegExp for a refusal.
const rows: { what: string; plan: ForeignPlan; want: [string, string][] | RegExp }[] = [
  { what: 'fdw absent and missing: nothing', plan: planFdw(fdw({ ensure: 'absent' }), undefined, 'spec.fdws[0]'), want: [] },
  { what: 'fdw absent and present: dropped, no CASCADE', plan: planFdw(fdw({ ensure: 'absent' }), hasFdw(), 'spec.fdws[0]'), want: [['spec.fdws[0]', 'DROP FOREIGN DATA WRAPPER IF EXISTS "w"']] },
  {
    what: 'fdw missing: created with handler, validator, present options; then owner and grants',
    plan: planFdw(
      fdw({ handler: 'my_handler', validator: '-', owner: 'boss', options: [{ name: 'a', value: "it's", ensure: 'present' }, { name: 'b', value: 'x', ensure: 'absent' }], usage: [{ name: 'app', type: 'grant' }, { name: 'bob', type: 'revoke' }] }),
      undefined,
      'spec.fdws[1]',
    ),
    want: [
      ['spec.fdws[1]', `CREATE FOREIGN DATA WRAPPER "w" HANDLER "my_handler" NO VALIDATOR OPTIONS ("a" 'it''s')`],
      ['spec.fdws[1].owner', 'ALTER FOREIGN DATA WRAPPER "w" OWNER TO "boss"'],
      ['spec.fdws[1].usage[0]', 'GRANT USAGE ON FOREIGN DATA WRAPPER "w" TO "app"'],
    ],
  },
  { what: 'fdw missing, bare: CREATE only', plan: planFdw(fdw({ name: 'we"ird' }), undefined, 'spec.fdws[0]'), want: [['spec.fdws[0]', 'CREATE FOREIGN DATA WRAPPER "we""ird"']] },
  { what: 'fdw present and equal: nothing', plan: planFdw(fdw({ handler: 'h', validator: 'v', owner: 'postgres', options: [{ name: 'a', value: '1', ensure: 'present' }, { name: 'b', value: '', ensure: 'absent' }], usage: [{ name: 'postgres', type: 'grant' }, { name: 'app', type: 'revoke' }] }), hasFdw({ options: new Map([['a', '1']]) }), 'spec.fdws[0]'), want: [] },
  {
    what: 'fdw present and different: handler, validator, owner, one OPTIONS with ADD/SET/DROP in declared order, usage',
    plan: planFdw(
      fdw({ handler: '-', validator: 'v2', owner: 'boss', options: [{ name: 'c', value: 'new', ensure: 'present' }, { name: 'a', value: '2', ensure: 'present' }, { name: 'b', value: '', ensure: 'absent' }], usage: [{ name: 'public', type: 'grant' }, { name: 'postgres', type: 'revoke' }] }),
      hasFdw({ options: new Map([['a', '1'], ['b', 'x']]) }),
      'spec.fdws[0]',
    ),
    want: [
      ['spec.fdws[0].handler', 'ALTER FOREIGN DATA WRAPPER "w" NO HANDLER'],
      ['spec.fdws[0].validator', 'ALTER FOREIGN DATA WRAPPER "w" VALIDATOR "v2"'],
      ['spec.fdws[0].owner', 'ALTER FOREIGN DATA WRAPPER "w" OWNER TO "boss"'],
      ['spec.fdws[0].options', `ALTER FOREIGN DATA WRAPPER "w" OPTIONS (ADD "c" 'new', SET "a" '2', DROP "b")`],
      ['spec.fdws[0].usage[0]', 'GRANT USAGE ON FOREIGN DATA WRAPPER "w" TO PUBLIC'],
      ['spec.fdws[0].usage[1]', 'REVOKE USAGE ON FOREIGN DATA WRAPPER "w" FROM "postgres"'],
    ],
  },
  { what: 'fdw: "-" matches no handler in the catalog', plan: planFdw(fdw({ handler: '-', validator: '-' }), hasFdw({ handler: '-', validator: '-' }), 'spec.fdws[0]'), want: [] },
  { what: 'fdw: PUBLIC already granted is not granted again', plan: planFdw(fdw({ usage: [{ name: 'Public', type: 'grant' }] }), hasFdw({ usage: new Set(['PUBLIC']) }), 'spec.fdws[0]'), want: [] },
  {
    what: 'fdw: grant then revoke of one role applies both, in order',
    plan: planFdw(fdw({ usage: [{ name: 'app', type: 'grant' }, { name: 'app', type: 'revoke' }] }), hasFdw(), 'spec.fdws[0]'),
    want: [
      ['spec.fdws[0].usage[0]', 'GRANT USAGE ON FOREIGN DATA WRAPPER "w" TO "app"'],
      ['spec.fdws[0].usage[1]', 'REVOKE USAGE ON FOREIGN DATA WRAPPER "w" FROM "app"'],
    ],
  },
  { what: 'server absent and missing: nothing', plan: planServer(server({ ensure: 'absent' }), undefined, false, 'spec.servers[0]'), want: [] },
  { what: 'server absent and present: dropped, no CASCADE', plan: planServer(server({ ensure: 'absent' }), hasServer(), true, 'spec.servers[0]'), want: [['spec.servers[0]', 'DROP SERVER IF EXISTS "s"']] },
  {
    what: 'server missing: created with present options, then grants',
    plan: planServer(server({ options: [{ name: 'host', value: 'a\\b', ensure: 'present' }, { name: 'port', value: '1', ensure: 'absent' }], usage: [{ name: 'app', type: 'grant' }] }), undefined, true, 'spec.servers[2]'),
    want: [
      ['spec.servers[2]', `CREATE SERVER "s" FOREIGN DATA WRAPPER "w" OPTIONS ("host" E'a\\\\b')`],
      ['spec.servers[2].usage[0]', 'GRANT USAGE ON FOREIGN SERVER "s" TO "app"'],
    ],
  },
  { what: 'server missing, its wrapper missing: refused naming fdw', plan: planServer(server({ fdw: 'nope' }), undefined, false, 'spec.servers[1]'), want: /^spec\.servers\[1\]\.fdw: foreign data wrapper "nope" does not exist/ },
  { what: 'server of another wrapper: refused as creation-only', plan: planServer(server({ fdw: 'other' }), hasServer(), true, 'spec.servers[0]'), want: /^spec\.servers\[0\]\.fdw: is "other", server "s" uses "w": creation-only/ },
  {
    what: 'server present and different: options and usage',
    plan: planServer(server({ options: [{ name: 'port', value: '6', ensure: 'present' }, { name: 'host', value: '', ensure: 'absent' }], usage: [{ name: 'app', type: 'revoke' }] }), hasServer({ options: new Map([['port', '5'], ['host', 'h']]), usage: new Set(['postgres', 'app']) }), true, 'spec.servers[0]'),
    want: [
      ['spec.servers[0].options', `ALTER SERVER "s" OPTIONS (SET "port" '6', DROP "host")`],
      ['spec.servers[0].usage[0]', 'REVOKE USAGE ON FOREIGN SERVER "s" FROM "app"'],
    ],
  },
  { what: 'server present and equal: nothing', plan: planServer(server({ options: [{ name: 'port', value: '5', ensure: 'present' }], usage: [{ name: 'app', type: 'grant' }] }), hasServer({ options: new Map([['port', '5']]), usage: new Set(['app']) }), true, 'spec.servers[0]'), want: [] },
];

for (const row of rows) {
  test(`foreign plan: ${row.what}`, () => {
    if (row.want instanceof RegExp) {
      assert.ok('refusal' in row.plan, JSON.stringify(row.plan));
      assert.match(row.plan.refusal, row.want);
    } else {
      assert.ok('steps' in row.plan, JSON.stringify(row.plan));
      assert.deepEqual(row.plan.steps.map((s) => [s.field, s.sql]), row.want);
    }
  });
}

test('foreign plan: option values are left out of the logged text', () => {
  const plan = planServer(server({ options: [{ name: 'password', value: 'sekret', ensure: 'present' }] }), hasServer(), true, 'spec.servers[0]');
  assert.ok('steps' in plan);
  assert.equal(plan.steps[0]?.shown, `ALTER SERVER "s" OPTIONS (ADD "password" '…')`);
  assert.ok(plan.steps[0]?.sql.includes("'sekret'"));
});
