#!/usr/bin/env bash
# The static-analysis gate besides eslint (run by scripts/test.sh after the build): secrets, shell scripts,
# the Dockerfile, the SBOM and deprecated production packages. Each step is timed; any failure fails CI.
# BUILD_DIR selects the compiled output (default dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-dist}

# Elapsed seconds with one decimal since a ${EPOCHREALTIME/./} stamp (no bc on a fresh machine).
since() {
  local us=$(( ${EPOCHREALTIME/./} - $1 ))
  printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

step() {
  local name=$1 t0=${EPOCHREALTIME/./}
  shift
  if ! "$@"; then echo "static checks: $name FAILED" >&2; return 1; fi
  echo "static checks: $name ok ($(since "$t0") s)"
}

t_all=${EPOCHREALTIME/./}
# Every file of the work tree except installed and generated trees (.secretlintignore).
step secretlint npx --no-install secretlint --maskSecrets '**/*'
step shellcheck bash scripts/lint-shell.sh
step dockerfile node "$build/scripts/check-dockerfile.js" Dockerfile --uid 26
step sbom env BUILD_DIR="$build" bash scripts/sbom "$build/sbom.cdx.json"
step deprecated bash scripts/lint-deprecated.sh
echo "static checks: all ok ($(since "$t_all") s)"
