#!/usr/bin/env bash
# The test command the README gives (`npm test`): build, lint, typecheck, unit tests, then integration tests
# against a real PostgreSQL. Integration tests need root (they start postgres as the postgres OS user)
# or an ordinary user that can run postgres; they skip with a message where they cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npx eslint . --max-warnings 0
echo "lint: ok"
node --test --test-concurrency=2 dist/test/unit/
node --test --test-concurrency=1 dist/test/integration/
