#!/usr/bin/env bash
# Runs shellcheck on every shell script we ship or run: scripts/ (libraries are followed from the script that
# sources them, -x), .ci/run, the image's launcher and the test fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."

files=(.ci/run image/bin/manager)
while IFS= read -r -d '' f; do
  # Scripts with a shell shebang; sourced libraries (no shebang) are checked through their caller.
  if head -n1 "$f" | grep -Eq '^#!.*\b(ba)?sh\b'; then files+=("$f"); fi
done < <(find scripts test/fixtures -type f -print0)
shellcheck -x -P SCRIPTDIR "${files[@]}"
echo "shellcheck: ${#files[@]} scripts, no findings"
