// Every CloudNativePG sample Cluster (test/fixtures/cnpg-samples: 66 Cluster documents) runs: started with
// the embedded default, three at a time, each reaching ready with what it asks for in force (the checks of
// test/helpers/samples/). External clusters, object stores, volume snapshots and cert-manager are replaced by
// local stand-ins (a source manager, s3rver, Azurite, folders copied from the source, openssl), only where the
// sample names something this machine does not have (rewrite-sample.ts). Prints `N / 66 run` and one line per sample not run. Fails when a sample the
// loader accepts does not reach ready or a check fails; a refusal by the loader is reported, not failed,
// and a difference from EXPECTED_REFUSED is printed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples, type Sample } from '../helpers/samples/sample-catalog.js';
import { needsSource, runSample, type SampleOutcome } from '../helpers/samples/run-sample.js';
import { standIns } from '../helpers/samples/stand-ins.js';
import { at } from '../helpers/samples/sample-check.js';

/** Samples expected to stay refused, and why (the others are expected to run). */
const EXPECTED_REFUSED: ReadonlyMap<string, string> = new Map([]);
/**
 * Samples the loader accepts that this machine cannot run (PostgreSQL 15 binaries only), and the clear error
 * their start must fail with: reported as not run, not failed. The default image of CNPG is newer.
 */
const CANNOT_RUN_HERE: ReadonlyMap<string, RegExp> = new Map([
  ['cluster-example-initdb-icu.yaml', /spec\.bootstrap\.initdb\.icuRules: needs PostgreSQL 16 or later/],
  // Image-volume extensions need extension_control_path: the sample names a PostgreSQL 18 image.
  ['postgis-example.yaml', /spec\.postgresql\.extensions: needs PostgreSQL 18 or later/],
  // Logical decoding slots synchronized to standbys: the sample names a PostgreSQL 17 image.
  ['cluster-example-logical-source.yaml', /spec\.replicationSlots\.highAvailability\.synchronizeLogicalDecoding: needs PostgreSQL 17 or later/],
]);
/**
 * Samples the loader accepts that do not run yet, and why: reported as "known", not failed; one that starts to
 * run is printed as a difference, so the list only shrinks.
 */
const KNOWN_FAILING: ReadonlyMap<string, string> = new Map<string, string>();
const SAMPLE_COUNT = 66;
/** Samples at a time: each mostly waits (barman's Python starts, fsync, postgres), ~0.5 core for the whole run. */
const PARALLEL = Number(process.env.SAMPLES_PARALLEL ?? 3);
/** SAMPLES=file1,file2 runs only those (the count is then of those). */
const ONLY = process.env.SAMPLES?.split(',').map((s) => s.trim()).filter(Boolean);

const stand = standIns();
after(() => stand.stop());

async function runAll(samples: Sample[]): Promise<SampleOutcome[]> {
  const queue = [...samples];
  const out: SampleOutcome[] = [];
  const stops: Promise<void>[] = [];
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) out.push(await runSample(s, stand, stops));
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await Promise.all(stops);
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

test(`every CNPG sample Cluster runs (${PARALLEL} at a time)`, { timeout: 900_000 }, async (t) => {
  const all = loadSamples();
  assert.equal(all.length, SAMPLE_COUNT, 'the samples hold 66 Cluster documents (README)');
  const chosen = ONLY ? all.filter((s) => ONLY.includes(s.file)) : all;
  const accepted = chosen.filter((s) => s.verdict.accepted);
  // The source stand-in takes a backup first: start it now, and run the samples that need it last.
  if (accepted.some(needsSource)) void stand.source().catch(() => undefined);
  // Among those, the replays of the source's archive to a target time (the longest, ~50 s) first, so that the
  // last ones of the run are short and both workers end together.
  const rank = (s: Sample): number => {
    if (!needsSource(s)) return 0;
    return at(s.cluster.spec, 'bootstrap', 'recovery', 'recoveryTarget') === undefined ? 2 : 1;
  };
  const ordered = [...chosen].sort((a, b) => rank(a) - rank(b));
  const started = Date.now();
  const outcomes = await runAll(ordered);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ran = outcomes.filter((o) => o.result === 'ran');
  t.diagnostic(`${ran.length} / ${chosen.length} run (${accepted.length} accepted by the loader, ${chosen.length - accepted.length} refused) in ${seconds} s`);
  for (const o of outcomes) {
    const time = `${(o.ms / 1000).toFixed(1)} s${o.readyMs === undefined ? '' : `, ready in ${(o.readyMs / 1000).toFixed(1)} s, checks ${((o.checksMs ?? 0) / 1000).toFixed(1)} s, stop ${((o.stopMs ?? 0) / 1000).toFixed(1)} s`}`;
    if (o.result === 'ran') {
      t.diagnostic(`ran      ${o.file} (${time})${o.unchecked.length > 0 ? `; not checked: ${o.unchecked.join(', ')}` : ''}`);
      for (const n of o.notes.filter((x) => /pinned to|no pods match/.test(x))) t.diagnostic(`           ${n}`);
    } else if (o.result === 'failed' && CANNOT_RUN_HERE.get(o.file)?.test(o.message ?? '')) {
      t.diagnostic(`not here ${o.file}: ${o.message ?? ''}`);
    } else if (o.result === 'failed' && KNOWN_FAILING.has(o.file)) {
      t.diagnostic(`known    ${o.file}: ${KNOWN_FAILING.get(o.file) ?? ''}: ${o.message ?? ''}`);
    } else {
      t.diagnostic(`${o.result.padEnd(8)} ${o.file}: ${o.message ?? ''}`);
    }
    if (process.env.SAMPLES_VERBOSE) for (const n of [...o.rewrites, ...o.notes]) t.diagnostic(`           ${n}`);
  }
  for (const o of outcomes) {
    const expected = EXPECTED_REFUSED.get(o.file);
    if (o.result === 'refused' && expected === undefined) t.diagnostic(`differs: ${o.file} is refused, expected to run`);
    if (o.result !== 'refused' && expected !== undefined) t.diagnostic(`differs: ${o.file} is accepted, expected refused (${expected})`);
    if (o.result === 'ran' && KNOWN_FAILING.has(o.file)) t.diagnostic(`differs: ${o.file} runs: take it off KNOWN_FAILING`);
  }
  const broken = outcomes.filter((o) => o.result === 'failed' && !CANNOT_RUN_HERE.get(o.file)?.test(o.message ?? '') && !KNOWN_FAILING.has(o.file));
  assert.deepEqual(broken.map((o) => `${o.file}: ${o.message ?? ''}`), [], 'samples the loader accepts must run with what they ask for in force');
});
