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
// Also on Node >= 24: Maglev compiles a function after 200,000 calls instead of 400 (and the same for on-stack
// replacement). Start-up code (file rendering, /proc parsing, path handling, module resolution) runs a few
// thousand times and stays in the interpreter and baseline code, so the idle manager never pages in the Maglev
// compiler; with 20,000 two path functions were still compiled during start-up. What is truly hot under load
// gets there within seconds. Measured on Node 24.21 from the snapshot (A/B, interleaved): idle VmRSS 65.5 ->
// 62.7 MiB (3 runs each, file pages 40.8 -> 38.6); after 2,000 / 10,000 sequential /healthz requests (a
// kubelet's probes) 87.4 / 88.8 -> 64.6 / 67.6 MiB (default thresholds compile early, and the compiler's
// memory stays); /healthz 42,900 / 31,100 -> 26,800 / 22,800 req/s (target 13,000), /pg/status 3,780 / 3,560
// -> 3,660 / 3,370 req/s; metrics scrape median 57.3 -> 66.1 ms and p99 70.7 -> 93.1 ms (postgres_exporter
// 84-86 / 118-129 in the same runs).
// The same V8 flags run the manager under Node 24 in the test suite (test/helpers/launch.ts).
// Node 20 and 22: none. On Node 20 --optimize-for-size changed nothing, and --no-opt would leave only the
// baseline compiler; Node 22 was not measured.
export function launchV8Flags(nodeVersion: string = process.version): string[] {
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  return major >= 24
    ? ['--optimize-for-size', '--no-opt', '--bytecode-old-age=1', '--flush-baseline-code', '--invocation-count-for-maglev=200000', '--invocation-count-for-maglev-osr=200000']
    : [];
}
