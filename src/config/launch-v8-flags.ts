// The V8 flags the image's launcher (image/bin/manager) gives Node, by Node major version, decided at build
// time: scripts/bundle.mjs writes them to dist/bundle/v8-flags, which the launcher reads, and the test suite
// starts the manager with them too (test/helpers/launch.ts).
// Node >= 24 (the image's): no TurboFan (--optimize-for-size --no-opt), code only start-up ran dropped at the
// next full GC (--bytecode-old-age=1 --flush-baseline-code), Maglev only for what runs 200,000 times. Node 20:
// the same without the Maglev counts (Node 20 runs no Maglev). Node 22: none (not measured). Each is kept because
// scripts/bench/lifecycle measured it worth it: docs/performance.md, "Node and V8 flags" (the figures, and the
// flags measured and left out).
const MEMORY_FLAGS = ['--optimize-for-size', '--no-opt', '--bytecode-old-age=1', '--flush-baseline-code'];
const LATE_MAGLEV = ['--invocation-count-for-maglev=200000', '--invocation-count-for-maglev-osr=200000'];

/** The V8 flags for `nodeVersion` (default: the running Node). */
export function launchV8Flags(nodeVersion: string = process.version): string[] {
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  if (major >= 24) return [...MEMORY_FLAGS, ...LATE_MAGLEV];
  return major === 20 ? [...MEMORY_FLAGS] : [];
}
