#!/usr/bin/env bash
# Checks the test API server with the real kubectl: discovery, get, merge patch of the status subresource,
# a spec patch (generation), get --watch (the Cluster, and a Secret by name with the name-restricted Role),
# a 403 in kube-apiserver's format, and the primary Lease (coordination.k8s.io/v1): create, get, replace with a
# stale resourceVersion (409), a MicroTime with three fraction digits (400), another Lease's name (403).
# usage: kubectl-conformance.sh SERVER CA_FILE TOKEN NAMESPACE CLUSTER OTHER_SECRET
set -euo pipefail
# A pipe from kubectl ends in `grep >/dev/null`, never `grep -q`: grep -q exits at the first match, kubectl's next
# write then dies of SIGPIPE, and pipefail fails a check that matched (api-resources lists several kinds).
server=$1 ca=$2 token=$3 ns=$4 cluster=$5 other_secret=$6
k() { kubectl --server="$server" --certificate-authority="$ca" --token="$token" -n "$ns" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
res=clusters.postgresql.cnpg.io

k get --raw /api | grep '"kind":"APIVersions"' >/dev/null || fail "discovery /api"
k api-resources --api-group=postgresql.cnpg.io -o name | grep -x "$res" >/dev/null || fail "api-resources lists $res"
[ "$(k get "$res" "$cluster" -o jsonpath='{.metadata.name}')" = "$cluster" ] || fail "get $cluster"

k patch "$res" "$cluster" --subresource=status --type=merge -p '{"status":{"phase":"kubectl-conformance"}}' >/dev/null
[ "$(k get "$res" "$cluster" -o jsonpath='{.status.phase}')" = "kubectl-conformance" ] || fail "status merge patch"

gen=$(k get "$res" "$cluster" -o jsonpath='{.metadata.generation}')
k patch "$res" "$cluster" --type=merge -p '{"spec":{"instances":1,"description":"kubectl"},"status":{"phase":"ignored"}}' >/dev/null
[ "$(k get "$res" "$cluster" -o jsonpath='{.metadata.generation}')" = "$((gen + 1))" ] || fail "generation increments on a spec change"
[ "$(k get "$res" "$cluster" -o jsonpath='{.status.phase}')" = "kubectl-conformance" ] || fail "a write to the main resource ignores .status"

out=$(mktemp)
k get "$res" "$cluster" --watch --output-watch-events -o jsonpath='{.type} {.object.status.phase}{"\n"}' >"$out" 2>&1 &
watcher=$!
for _ in $(seq 1 50); do grep -q '^ADDED' "$out" && break; sleep 0.1; done
k patch "$res" "$cluster" --subresource=status --type=merge -p '{"status":{"phase":"watched"}}' >/dev/null
for _ in $(seq 1 50); do grep -q '^MODIFIED watched' "$out" && break; sleep 0.1; done
kill "$watcher" 2>/dev/null || true
grep -q '^MODIFIED watched' "$out" || fail "get --watch saw the change: $(cat "$out")"
rm -f "$out"

# kubectl get NAME --watch: a GET, then a watch with fieldSelector metadata.name=NAME, which the Role allows.
out=$(mktemp)
k get secret "$cluster-app" --watch --output-watch-events -o jsonpath='{.type} {.object.metadata.name}{"\n"}' >"$out" 2>&1 &
watcher=$!
for _ in $(seq 1 50); do grep -q "^ADDED $cluster-app" "$out" && break; sleep 0.1; done
kill "$watcher" 2>/dev/null || true
grep -q "^ADDED $cluster-app" "$out" || fail "get secret --watch by name: $(cat "$out")"
rm -f "$out"

if err=$(k get secret "$other_secret" 2>&1); then fail "reading $other_secret must be forbidden"; fi
echo "$err" | grep -q "secrets \"$other_secret\" is forbidden: User \"system:serviceaccount:$ns:$cluster\" cannot get resource \"secrets\" in API group \"\" in the namespace \"$ns\"" ||
  fail "403 message: $err"
lease=leases.coordination.k8s.io
k api-resources --api-group=coordination.k8s.io -o name | grep -x "$lease" >/dev/null || fail "api-resources lists $lease"
lease_yaml() { # NAME HOLDER RENEWTIME [RESOURCEVERSION]
  printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: %s\n' "$1"
  if [ -n "${4:-}" ]; then printf '  resourceVersion: "%s"\n' "$4"; fi
  printf 'spec:\n  holderIdentity: %s\n  leaseDurationSeconds: 15\n  renewTime: "%s"\n' "$2" "$3"
}
lease_yaml "$cluster" "$cluster-1" 2026-12-07T08:00:00.000000Z | k create --validate=false -f - >/dev/null || fail "create the Lease"
[ "$(k get "$lease" "$cluster" -o jsonpath='{.spec.holderIdentity}')" = "$cluster-1" ] || fail "get the Lease"
rv=$(k get "$lease" "$cluster" -o jsonpath='{.metadata.resourceVersion}')
lease_yaml "$cluster" "$cluster-2" 2026-12-07T08:00:02.000000Z "$rv" | k replace --validate=false -f - >/dev/null || fail "replace with the current resourceVersion"
if err=$(lease_yaml "$cluster" "$cluster-3" 2026-12-07T08:00:04.000000Z "$rv" | k replace --validate=false -f - 2>&1); then fail "a stale resourceVersion must be refused"; fi
echo "$err" | grep -q "the object has been modified" || fail "409 for a stale resourceVersion: $err"
if err=$(lease_yaml "$cluster" "$cluster-3" 2026-12-07T08:00:04.123Z | k replace --validate=false -f - 2>&1); then fail "a MicroTime with three digits must be refused"; fi
echo "$err" | grep -q "cannot be handled as a Lease" || fail "400 for a bad MicroTime: $err"
[ "$(k get "$lease" "$cluster" -o jsonpath='{.spec.holderIdentity}')" = "$cluster-2" ] || fail "refused writes left the Lease as it was"
if err=$(k get "$lease" "$cluster-other" 2>&1); then fail "another Lease's name must be forbidden"; fi
echo "$err" | grep -q "cannot get resource \"leases\" in API group \"coordination.k8s.io\"" || fail "403 for another Lease: $err"
echo "kubectl conformance: ok"
