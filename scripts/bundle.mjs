// Bundles the compiled manager (dist/src/main.js, the entry, and cli.js behind it) into dist/bundle/: Node's ESM loader spends most of the
// manager's start-up resolving and compiling hundreds of small module files, which delays the postmaster
// spawn (scripts/bench/lifecycle). Dynamic imports stay separate chunks, so what is loaded lazily (the
// servers, the Kubernetes source) still loads lazily. @kubernetes/client-node
// stays external: it is only loaded in Kubernetes mode, from node_modules.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { builtinsThroughRequire, pgWithoutCloudflareProbe } from './esbuild-plugins.mjs';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  // The certificate generator runs as a child process (src/tls/generate-in-child.ts): its own entry.
  entryPoints: {
    main: new URL('../dist/src/main.js', import.meta.url).pathname,
    'generate-child': new URL('../dist/src/tls/generate-child.js', import.meta.url).pathname,
    // The embedded object store (s3rver) runs as a child too; s3rver itself loads from node_modules.
    's3rver-child': new URL('../dist/src/supervisor/s3rver-child.js', import.meta.url).pathname,
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@kubernetes/client-node', 's3rver', 's3rver/*'],
  logLevel: 'warning',
  // Whitespace and comments out, syntax compacted, identifiers kept (stack traces stay readable, and
  // dist/bundle/*.map maps them back). Every loaded module's source text stays in the V8 heap for the
  // manager's whole life, and one non-ASCII comment made a whole chunk a two-byte string.
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS dependencies (pg, pino, express...) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __pgimRequire } from 'node:module'; const require = __pgimRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [pgWithoutCloudflareProbe, builtinsThroughRequire],
});
// archive_command / restore_command's entry (src/wal-main.ts): one file, no shared chunks, so the process
// PostgreSQL starts per WAL segment reads and compiles as little as possible.
await build({
  entryPoints: { 'wal-main': new URL('../dist/src/wal-main.js', import.meta.url).pathname },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: "import { createRequire as __pgimRequire } from 'node:module'; const require = __pgimRequire(import.meta.url);" },
  plugins: [builtinsThroughRequire],
});
// The V8 flags the image's launcher (image/bin/manager) gives this Node, recorded for it (the image builds with
// the Node it ships).
const { launchV8Flags } = await import(new URL('../dist/src/config/launch-v8-flags.js', import.meta.url).pathname);
writeFileSync(`${outdir}v8-flags`, `${launchV8Flags().join(' ')}\n`);
