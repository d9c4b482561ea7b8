// esbuild plugins shared by the ESM bundle (scripts/bundle.mjs) and the start-up snapshot (scripts/snapshot.mjs).
import { readFileSync } from 'node:fs';

// pg's lib/stream.js asks "are we in a Cloudflare Worker?" at load time: on Node >= 21 it reads the
// `navigator` global, and on Node 20 (no `navigator`) it touches `Response`. Either loads Node's whole fetch
// implementation (undici and its llhttp WebAssembly): about 10 MB of RSS on Node 20 and 20 MB on Node 24
// that the manager would keep for life and never use. The manager never runs in a Worker, so the question is
// not asked. The build fails if pg's source no longer has the call, so an upgrade is seen.
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
// load undici (~20 MB of RSS, never used); `require` leaves them alone. (The bundle's banner defines `require`.)
export const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(b) {
    // Only `import` statements; the require() inside the stand-in module (and in CommonJS packages) stays as it is.
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' && args.namespace !== 'builtin-require' ? { path: args.path, namespace: 'builtin-require' } : { path: args.path, external: true },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

// iconv-lite reaches the manager only through express's body parsers (body-parser, raw-body), which every
// express loads and no route of ours uses: the manager reads no request bodies. Its encoding tables are ~500 KB
// of source that the snapshot and the heap would carry for life. In its place, iconv-utf8-only.cjs: the part
// of its API those parsers call, for UTF-8 only (any other charset is "not recognized": 415, as for an
// unknown one).
const ICONV_UTF8_ONLY = new URL('./iconv-utf8-only.cjs', import.meta.url).pathname;
export const iconvUtf8Only = {
  name: 'iconv-utf8-only',
  setup(b) {
    b.onResolve({ filter: /^iconv-lite$/ }, () => ({ path: ICONV_UTF8_ONLY }));
  },
};

// mime-db is the media-type table behind mime-types, which express, send, accepts and type-is load: ~2,500
// types, 150 KB of source that the snapshot evaluates into an object graph the heap keeps for life (and
// mime-types indexes every extension of it at load). The manager answers with JSON and plain text only and
// never serves files. In its place, the same table cut to MIME_TYPES_KEPT, read from the installed mime-db,
// so charsets and extensions stay mime-db's own; any other type is unknown (express then falls back to
// application/octet-stream). The build fails if mime-db no longer has one of them.
const MIME_TYPES_KEPT = [
  'application/json',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/html',
  'text/plain',
];
export const mimeDbSubset = {
  name: 'mime-db-subset',
  setup(b) {
    b.onResolve({ filter: /^mime-db$/ }, (args) => ({ path: args.path, namespace: 'mime-db-subset', pluginData: args.resolveDir }));
    b.onLoad({ filter: /.*/, namespace: 'mime-db-subset' }, async (args) => {
      const resolved = await b.resolve('mime-db/db.json', { resolveDir: args.pluginData, kind: 'require-call' });
      if (resolved.errors.length > 0) throw new Error(`mime-db-subset: ${resolved.errors[0].text}`);
      const db = JSON.parse(readFileSync(resolved.path, 'utf8'));
      const subset = {};
      for (const type of MIME_TYPES_KEPT) {
        if (!Object.hasOwn(db, type)) throw new Error(`${resolved.path}: no "${type}" (mime-db-subset)`);
        subset[type] = db[type];
      }
      return { contents: `module.exports = ${JSON.stringify(subset)};`, loader: 'js' };
    });
  },
};
