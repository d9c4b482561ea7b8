#!/usr/bin/env bash
# Set-up on a fresh Debian/Ubuntu machine: installs what the build and the tests need and is missing, then
# the npm dependencies and the build. apt-get runs only for what is missing, and only as root or through
# sudo; otherwise the missing packages are listed with the command to install them. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15)
command -v psql >/dev/null || need_apt+=(postgresql-client-15)
command -v unshare >/dev/null || need_apt+=(util-linux)
command -v openssl >/dev/null || need_apt+=(openssl)
# The native addon (binding.gyp): node-gyp needs make, a C++ compiler and python3.
command -v make >/dev/null || need_apt+=(make)
command -v g++ >/dev/null || need_apt+=(g++)
command -v python3 >/dev/null || need_apt+=(python3)
# Conformance checks of the test Kubernetes API server: Debian's client, run with /usr/bin/python3.
/usr/bin/python3 -c 'import kubernetes' 2>/dev/null || need_apt+=(python3-kubernetes)
# Static checks (scripts/lint-shell.sh) and the runtime hardening test.
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
command -v strace >/dev/null || need_apt+=(strace)
# promtool checks the metrics endpoint's output; the package's own prometheus server is not used.
command -v promtool >/dev/null || need_apt+=(prometheus)
# barman-cloud-* (spec.backup.barmanObjectStore): the image ships them; tests check the commands it would run.
command -v barman-cloud-backup >/dev/null || need_apt+=(barman-cli-cloud)
# barman-cloud's Azure Blob Storage provider (the Azure tests, against Azurite): Debian 12 has azure.storage.blob
# only in the whole python3-azure SDK (14 MB download, 577 MB installed, 2-3.5 min mostly byte-compiling).
/usr/bin/python3 -c 'import azure.storage.blob' 2>/dev/null || need_apt+=(python3-azure)
# locale-gen, for the locales CNPG's samples give initdb (below).
command -v locale-gen >/dev/null || need_apt+=(locales)

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then as_root=(sudo); fi
fi
can_root() { [ "$(id -u)" -eq 0 ] || [ "${#as_root[@]}" -gt 0 ]; }

if [ "${#need_apt[@]}" -gt 0 ]; then
  if ! can_root; then
    echo "setup: missing packages: ${need_apt[*]}" >&2
    echo "setup: install them as root (apt-get install --no-install-recommends ${need_apt[*]}) and run this again" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  # The Debian package starts a cluster of its own on 5432; the tests do not use it.
  if command -v pg_ctlcluster >/dev/null; then "${as_root[@]}" pg_ctlcluster 15 main stop 2>/dev/null || true; fi
  if [ -x /etc/init.d/prometheus ]; then "${as_root[@]}" /etc/init.d/prometheus stop >/dev/null 2>&1 || true; fi
fi
# Started as root, the manager (and so the integration tests) run postgres as this user.
if ! id postgres >/dev/null 2>&1; then
  if can_root; then "${as_root[@]}" useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  else echo "setup: no postgres OS user (needed when the manager is started as root); skipped without root" >&2; fi
fi

# Locales CNPG's samples ask initdb for (cluster-advanced-initdb: en_AU.UTF-8; cluster-example-initdb-icu:
# en_US.UTF8), run by test/integration/cnpg-samples-run.test.ts: generated once with Debian's locale-gen.
missing_locales=()
for l in en_US en_AU; do locale -a 2>/dev/null | grep -qix "$l.utf8" || missing_locales+=("$l"); done
if [ "${#missing_locales[@]}" -gt 0 ]; then
  if can_root && [ -f /etc/locale.gen ] && command -v locale-gen >/dev/null; then
    for l in "${missing_locales[@]}"; do
      grep -q "^$l.UTF-8 UTF-8" /etc/locale.gen || echo "$l.UTF-8 UTF-8" | "${as_root[@]}" tee -a /etc/locale.gen >/dev/null
    done
    "${as_root[@]}" locale-gen >/dev/null
  else
    echo "setup: locales ${missing_locales[*]} (UTF-8) missing: two CNPG samples' initdb needs them (locale-gen as root)" >&2
  fi
fi

# npm ci replaces node_modules: skipped when it already matches the lock file (npm writes
# node_modules/.package-lock.json on install) and never through a symlinked node_modules (it would empty its target).
if [ -L node_modules ]; then
  echo "setup: node_modules is a symlink: not running npm ci"
elif [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup: node_modules is up to date with package-lock.json"
else
  npm ci --no-audit --no-fund
fi
# SETUP_SKIP_BUILD=1 (.ci/run): `npm test` builds first anyway, so CI builds once.
if [ "${SETUP_SKIP_BUILD:-0}" = 1 ]; then
  echo "setup: done (no build: SETUP_SKIP_BUILD=1; npm test builds)"
else
  npm run --silent build
  echo "setup: done (build in dist/ and build/Release/); run the tests with npm test"
fi
