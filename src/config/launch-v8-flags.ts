// The V8 flags the image's launcher (image/bin/manager) gives Node, by Node major version, decided at build
// time: scripts/snapshot.mjs builds the blob under them (a blob refuses to load under V8 flags it was not built
// with: exit 14) and writes them to dist/snapshot/v8-flags, which the launcher reads.
//
// Node >= 24 (the image's): --optimize-for-size and --no-opt (no TurboFan; Maglev stays the top tier). Measured
// on Node 24.21, 2 vCPU, without -> with:
//   idle VmRSS after 30 s: snapshot 78.0 -> 69.9 MiB, bundle 79.0 -> 67.8 MiB;
//   RSS after the metrics bench (28k series): 232 -> 81 MB; scrape median 40.5 -> 56.2 ms (postgres_exporter:
//   77-86 ms in the same runs);
//   /healthz 38,000 -> 25,200 req/s (target 13,000), /pg/status 3,050 -> 3,960 req/s;
//   restart to "instance ready": median 184 -> 190 ms (10 interleaved runs each).
// Without Maglev too (--no-maglev) the idle RSS is 64.3 MiB but /healthz falls to 9,200 req/s.
// Also on Node >= 24: --bytecode-old-age=1 --flush-baseline-code. Bytecode and Sparkplug code not run since the
// last full GC are dropped (and recompiled if ever run again): what only start-up runs (initdb, bootstrap, file
// rendering), at the memory reducer's GCs after start-up and already in the snapshot build, whose blob shrinks
// from 9.5 to 8.1 MB. Measured on Node 24.21 from the snapshot, 2 runs each: idle VmRSS 69.9/69.8 -> 66.2/66.9
// MiB (anonymous 30.4 -> 25.1 MiB); /healthz 27,200 -> 33,800 req/s and /pg/status 2,850 -> 2,980 (one run each);
// scrape median 58.7 -> 64.7 ms, p99 121.8 -> 86.7 ms (postgres_exporter ~100 / ~127); restart to "instance
// ready" median 210 -> 218 ms (8 interleaved runs). On Node 20 it changed nothing (60.1/61.4 -> 60.1/60.1 MiB).
// The same V8 flags run the manager under Node 24 in the test suite (test/helpers/launch.ts).
// Node 20 and 22: none. On Node 20 --optimize-for-size changed nothing, and --no-opt would leave only the
// baseline compiler; Node 22 was not measured.
export function launchV8Flags(nodeVersion: string = process.version): string[] {
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  return major >= 24 ? ['--optimize-for-size', '--no-opt', '--bytecode-old-age=1', '--flush-baseline-code'] : [];
}
