// What the built manager loads before it can spawn the postmaster: the CLI chunk and everything it imports
// statically. pg (loaded while postgres starts) and execa (loaded by the first short tool) must stay out of
// it: together they cost ~35 ms on every start (README, "Set up and run"). Checked on dist/bundle/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

const CHUNKS = join(REPO_ROOT, 'dist', 'bundle', 'chunks');
// esbuild keeps a CommonJS module's path as the key of its wrapper, and function names (no identifier minify).
const PG_MARKER = '"node_modules/pg/lib/client.js"';
const EXECA_MARKER = 'var execaCoreAsync=';

/** The chunk files reached from `start` through static `import ... from "./x.js"` (not `import()`). */
function staticClosure(start: string): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    const text = readFileSync(join(CHUNKS, name), 'utf8');
    seen.set(name, text);
    // `import{a}from"./x.js"` and `import"./x.js"`; a dynamic `import("./x.js")` has a parenthesis and is skipped.
    for (const m of text.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g)) queue.push(m[1] as string);
  }
  return seen;
}

test('the start-up path (CLI chunk and its static imports) loads neither pg nor execa', () => {
  assert.ok(existsSync(CHUNKS), `${CHUNKS} is not built: run npm run build`);
  const all = readdirSync(CHUNKS).filter((f) => f.endsWith('.js'));
  const cli = all.find((f) => f.startsWith('cli-'));
  assert.ok(cli, 'no cli-*.js chunk');
  const everything = all.map((f) => readFileSync(join(CHUNKS, f), 'utf8')).join('\n');
  assert.ok(everything.includes(PG_MARKER) && everything.includes(EXECA_MARKER), 'the markers no longer identify pg and execa');

  const startUp = staticClosure(cli);
  const texts = [...startUp.values()].join('\n');
  // The closure is really followed: the YAML parser and pino are static imports of the CLI's start-up path.
  assert.ok(texts.includes('"node_modules/yaml/') && texts.includes('"node_modules/pino/'), `closure: ${[...startUp.keys()].join(', ')}`);
  assert.ok(texts.includes('function spawnPostmaster('), 'the postmaster spawn is on the start-up path');
  const withPg = [...startUp].filter(([, t]) => t.includes(PG_MARKER)).map(([n]) => n);
  const withExeca = [...startUp].filter(([, t]) => t.includes(EXECA_MARKER)).map(([n]) => n);
  assert.deepEqual(withPg, [], 'pg is loaded before the postmaster spawn');
  assert.deepEqual(withExeca, [], 'execa is loaded before the postmaster spawn');
});
