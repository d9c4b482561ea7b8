#!/usr/bin/env bash
# Runs every CloudNativePG sample Cluster (test/integration/cnpg-samples-run.test.ts) and prints its report:
# `N / 66 run`, one line per sample (ran, with the fields no check covers; refused, with the loader's message;
# failed, with the reason) and where reality differs from the expected refusals. As root, after `npm run build`.
#   SAMPLES=cluster-example.yaml,cluster-restore.yaml  only those samples
#   SAMPLES_PARALLEL=3                                how many at a time
#   SAMPLES_VERBOSE=1                                 also what was rewritten and what each check saw
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
node --test --test-concurrency=1 --test-reporter=tap dist/test/integration/cnpg-samples-run.test.js > .samples-report.tap 2>&1 || status=$?
sed -n 's/^ *# \(.*\)$/\1/p' .samples-report.tap | grep -Ev '^(Subtest|tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)( |:|$)' || true
grep -E '^ *(not ok|ok) ' .samples-report.tap || true
rm -f .samples-report.tap
exit "$status"
