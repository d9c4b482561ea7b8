// Bundles the compiled manager (dist/src/main.js) into dist/bundle/: Node's ESM loader spends most of the
// manager's start-up resolving and compiling hundreds of small module files, which delays the postmaster
// spawn (scripts/bench/lifecycle). Dynamic imports stay separate chunks, so what is loaded lazily (the
// servers, the Kubernetes source, certificate generation) still loads lazily. @kubernetes/client-node
// stays external: it is only loaded in Kubernetes mode, from node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../dist/src/main.js', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@kubernetes/client-node'],
  logLevel: 'warning',
  // CommonJS dependencies (pg, pino, express...) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __pgimRequire } from 'node:module'; const require = __pgimRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
});
