// The launcher's V8 flags by Node major: memory-saving flags only where they were measured (Node 20, Node >= 24).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchV8Flags } from '../../../src/config/launch-v8-flags.js';

test('Node >= 24 runs with --optimize-for-size --no-opt, early code flushing and late Maglev; Node 20 without the Maglev counts; Node 22 with none', () => {
  const node24 = [
    '--optimize-for-size',
    '--no-opt',
    '--bytecode-old-age=1',
    '--flush-baseline-code',
    '--invocation-count-for-maglev=200000',
    '--invocation-count-for-maglev-osr=200000',
  ];
  const table: [string, string[]][] = [
    ['v20.20.2', node24.slice(0, 4)],
    ['v22.12.0', []],
    ['v24.21.0', node24],
    ['v25.0.0', node24],
  ];
  for (const [version, flags] of table) assert.deepEqual(launchV8Flags(version), flags, version);
  assert.deepEqual(launchV8Flags(), launchV8Flags(process.version), 'defaults to the running Node');
});
