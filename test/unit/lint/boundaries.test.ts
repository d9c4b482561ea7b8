// The layer rule of eslint-boundaries.mjs (used by eslint.config.mjs, so by `npm run lint`): an import from a
// lower folder into a higher one, or of a package another folder owns, fails with the rule's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '../../helpers/paths.js';

interface Boundaries {
  boundaryConfigs: () => object[];
}

async function lint(filePath: string, code: string): Promise<string[]> {
  const { boundaryConfigs } = (await import(pathToFileURL(join(REPO_ROOT, 'eslint-boundaries.mjs')).href)) as Boundaries;
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...boundaryConfigs()] as ESLint.Options['overrideConfig'],
  });
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, filePath) });
  return (result?.messages ?? []).map((m) => m.message);
}

test('a lower folder importing a higher one fails with the layer message', async () => {
  const messages = await lint('src/spec/planted.ts', "import { instanceRun } from '../commands/instance-run.js';\nexport const x = instanceRun;\n");
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0] ?? '', /src\/spec\/ may not import src\/commands\/ \(same or higher layer, see eslint-boundaries\.mjs\)/);
});

test('a folder of the same layer is refused too; a lower one is allowed', async () => {
  assert.match((await lint('src/status/planted.ts', "export { MetricsExporter } from '../metrics/metrics-exporter.js';\nimport '../metrics/metrics-exporter.js';\n"))[0] ?? '', /src\/status\/ may not import src\/metrics\//);
  assert.deepEqual(await lint('src/status/planted.ts', "import { EXIT } from '../config/constants.js';\nexport const x = EXIT;\n"), []);
});

test('a dynamic import across the layers fails as well', async () => {
  const messages = await lint('src/db/planted.ts', "export const load = () => import('../reconcile/reconciler.js');\n");
  assert.match(messages[0] ?? '', /src\/db\/: a dynamic import across the layers/);
});

test('only db/ imports pg, only kube/ the Kubernetes client, only supervisor/ child_process', async () => {
  assert.match((await lint('src/status/planted.ts', "import pg from 'pg';\nexport const x = pg;\n"))[0] ?? '', /only src\/db\/ imports pg/);
  assert.deepEqual(await lint('src/db/planted.ts', "import pg from 'pg';\nexport const x = pg;\n"), []);
  assert.match((await lint('src/metrics/planted.ts', "import { KubeConfig } from '@kubernetes/client-node';\nexport const x = KubeConfig;\n"))[0] ?? '', /only src\/kube\//);
  assert.match((await lint('src/tls/planted.ts', "import { spawn } from 'node:child_process';\nexport const x = spawn;\n"))[0] ?? '', /only src\/supervisor\/ starts processes/);
});
