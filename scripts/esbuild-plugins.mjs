// esbuild plugins of the ESM bundle (scripts/bundle.mjs).
import { readFileSync } from 'node:fs';

// pg's lib/stream.js asks "are we in a Cloudflare Worker?" at load time: on Node >= 21 it reads the
// `navigator` global, and on Node 20 (no `navigator`) it touches `Response`. Either loads Node's whole fetch
// implementation (undici and its llhttp WebAssembly), which the manager would keep for life and never use
// (idle RSS measured in docs/performance.md). The manager never runs in a Worker, so the question is not
// asked. The build fails if pg's source no longer has the call, so an upgrade is seen.
const PG_CLOUDFLARE_PROBE = 'if (isCloudflareRuntime()) {';
export const pgWithoutCloudflareProbe = {
  name: 'pg-without-cloudflare-probe',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.split(PG_CLOUDFLARE_PROBE).length !== 2) throw new Error(`${args.path}: expected exactly one "${PG_CLOUDFLARE_PROBE}"`);
      return { contents: source.replace(PG_CLOUDFLARE_PROBE, 'if (false) {'), loader: 'js' };
    });
  },
};

// Node's built-ins are required, not imported, in the ESM bundle. Importing one builds its ESM facade, which
// reads every export: on Node >= 22 the lazy `WebSocket`/`CloseEvent`/`MessageEvent` getters of node:http then
// load parts of undici, never used (idle RSS measured in docs/performance.md); `require` leaves them alone.
// (The bundle's banner defines `require`.)
export const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(b) {
    // An `import` statement of a built-in resolves to one ESM wrapper per built-in, which requires it once;
    // the require() inside the wrapper (and in CommonJS packages) stays external.
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.kind === 'import-statement' && args.namespace === 'builtin-esm') return { path: args.path, namespace: 'builtin-require' };
      if (args.kind === 'import-statement' && args.namespace !== 'builtin-require') return { path: args.path, namespace: 'builtin-esm' };
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-esm' }, (args) => ({
      contents: `export * from ${JSON.stringify(args.path)}; export { default } from ${JSON.stringify(args.path)};`,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
