// Builds the start-up snapshot: the compiled manager (dist/src/snapshot-main.js) bundled into one CommonJS
// file (dist/snapshot/manager.cjs), then loaded and evaluated by `node --build-snapshot` into
// dist/snapshot/manager.blob. The image starts `node --snapshot-blob .../manager.blob instance run`: Node
// deserialises the ready heap instead of reading, compiling and evaluating ~400 KB of JavaScript.
// A blob only loads into the Node binary that built it: dist/snapshot/node-version records which one
// (run `npm run build` again after changing Node; `node dist/bundle/main.js` works with any Node).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { iconvUtf8Only, mimeDbSubset, pgWithoutCloudflareProbe } from './esbuild-plugins.mjs';

const outdir = new URL('../dist/snapshot/', import.meta.url).pathname;
const EXTERNAL = /^@kubernetes\/client-node(\/.*)?$/;

// A snapshot can only require Node's built-ins (and cannot `import()` at all): @kubernetes/client-node,
// loaded lazily in Kubernetes mode, is required at run time through the require that snapshot-main.ts sets
// up from the package root.
const externalAtRunTime = {
  name: 'external-at-run-time',
  setup(b) {
    b.onResolve({ filter: EXTERNAL }, (args) => ({ path: args.path, namespace: 'run-time-require' }));
    b.onLoad({ filter: /.*/, namespace: 'run-time-require' }, (args) => ({
      contents: `module.exports = globalThis.__pgimRequire(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [new URL('../dist/src/snapshot-main.js', import.meta.url).pathname],
  outfile: `${outdir}manager.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  // Local names shortened too (function and class names kept, for stack traces): the bundle's source text
  // lives in the blob and again in the heap, and this takes ~0.35 MB off each.
  minifyIdentifiers: true,
  keepNames: true,
  // There is no module URL in a snapshot: snapshot-main.ts sets this global from the blob's path at start.
  define: { 'import.meta.url': 'globalThis.__pgimModuleUrl' },
  plugins: [pgWithoutCloudflareProbe, iconvUtf8Only, mimeDbSubset, externalAtRunTime],
});
// Node warns that some built-ins (module, worker_threads, child_process) are "not yet fully verified" in a
// snapshot; the test suite starts the manager from this blob (test/integration/lifecycle-snapshot.test.ts).
// Built under the V8 flags the launcher will run it with (src/config/launch-v8-flags.ts), recorded for it.
const { launchV8Flags } = await import(new URL('../dist/src/config/launch-v8-flags.js', import.meta.url).pathname);
const v8Flags = launchV8Flags();
execFileSync(process.execPath, ['--no-warnings', ...v8Flags, '--snapshot-blob', `${outdir}manager.blob`, '--build-snapshot', `${outdir}manager.cjs`], {
  stdio: 'inherit',
});
writeFileSync(`${outdir}node-version`, `${process.version}\n`);
writeFileSync(`${outdir}v8-flags`, `${v8Flags.join(' ')}\n`);
