#!/usr/bin/env bash
# `npm audit` cannot run against this registry (it answers 405). Instead ask the registry whether the exact
# locked version of each production package is deprecated: `npm view <pkg>@<version> deprecated` for the direct
# dependencies, and the same version documents fetched in one Node process for the whole production tree
# (199 `npm view` processes take over a minute on 2 cores; this takes seconds). Fails on any deprecated
# package and on any registry error: an unanswered question is not a pass.
set -euo pipefail
cd "$(dirname "$0")/.."

# Direct production dependencies, with the version the lockfile pins.
# shellcheck disable=SC2016 # JavaScript, not shell
mapfile -t direct < <(node -e '
  const lock = require("./package-lock.json");
  for (const name of Object.keys(require("./package.json").dependencies ?? {}))
    console.log(`${name}@${lock.packages[`node_modules/${name}`].version}`);
')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in "${!direct[@]}"; do
  ( npm view "${direct[$i]}" deprecated >"$out/$i.dep" 2>"$out/$i.err" || echo fail >"$out/$i.fail" ) &
done
wait
failed=0
for i in "${!direct[@]}"; do
  if [ -e "$out/$i.fail" ]; then echo "npm view ${direct[$i]}: $(tr '\n' ' ' <"$out/$i.err")" >&2; failed=1; fi
  if [ -s "$out/$i.dep" ]; then echo "deprecated: ${direct[$i]}: $(cat "$out/$i.dep")" >&2; failed=1; fi
done

# The whole production tree, from the registry npm is configured with.
registry=$(npm config get registry)
# shellcheck disable=SC2016 # JavaScript, not shell
REGISTRY="$registry" node -e '
  const lock = require("./package-lock.json");
  const specs = new Map();
  for (const [key, p] of Object.entries(lock.packages)) {
    if (!key || p.dev || p.devOptional || p.link) continue;
    specs.set(`${p.name ?? key.slice(key.lastIndexOf("node_modules/") + 13)}@${p.version}`, [p.name ?? key.slice(key.lastIndexOf("node_modules/") + 13), p.version]);
  }
  const base = process.env.REGISTRY.replace(/\/?$/, "/");
  const queue = [...specs.entries()];
  let bad = 0;
  async function ask([spec, [name, version]]) {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${base}${name.replace("/", "%2f")}/${version}`, { signal: AbortSignal.timeout(15000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const doc = await res.json();
        if (doc.version !== version) throw new Error(`registry answered version ${doc.version}`);
        if (doc.deprecated) { console.error(`deprecated: ${spec}: ${doc.deprecated}`); bad++; }
        return;
      } catch (err) {
        if (attempt >= 2) { console.error(`registry error for ${spec}: ${err.message}`); bad++; return; }
      }
    }
  }
  const workers = Array.from({ length: 16 }, async () => { for (let job; (job = queue.shift()); ) await ask(job); });
  // Canary: inflight@1.0.6 is deprecated upstream. A registry that does not say so strips deprecation
  // notices, and then this check cannot see any: say it loudly rather than pretend.
  const canary = fetch(`${base}inflight/1.0.6`, { signal: AbortSignal.timeout(15000) }).then((r) => r.json()).then((d) => !!d.deprecated, () => false);
  Promise.all([...workers, canary]).then(async () => {
    if (!(await canary)) console.log("deprecated check: NOTE: this registry strips deprecation notices (inflight@1.0.6 shows none), so nothing can be flagged here");
    if (bad) process.exit(1);
    console.log(`deprecated check: ${specs.size} production packages (${process.argv[1]} direct via npm view), none deprecated`);
  });
' "${#direct[@]}" || failed=1
exit "$failed"
