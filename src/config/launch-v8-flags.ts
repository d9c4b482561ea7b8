// The V8 flags the image's launcher (image/bin/manager) gives Node, by Node major version, decided at build
// time: scripts/bundle.mjs writes them to dist/bundle/v8-flags, which the launcher reads, and the test suite
// starts the manager with them too (test/helpers/launch.ts).
// Node >= 24 (the image's): no TurboFan (--optimize-for-size --no-opt), code only start-up ran dropped at the
// next full GC (--bytecode-old-age=1 --flush-baseline-code), Maglev only for what runs 200,000 times. Node 20
// and 22: none. Each is kept because scripts/bench/lifecycle measured it worth it: docs/performance.md, "Node
// and V8 flags" (the figures, and the flags measured and left out).
export function launchV8Flags(nodeVersion: string = process.version): string[] {
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  return major >= 24
    ? ['--optimize-for-size', '--no-opt', '--bytecode-old-age=1', '--flush-baseline-code', '--invocation-count-for-maglev=200000', '--invocation-count-for-maglev-osr=200000']
    : [];
}
