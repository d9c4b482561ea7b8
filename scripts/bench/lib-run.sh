# One lifecycle round of the manager and of bare PostgreSQL (sourced by scripts/bench/lifecycle).
# Sample keys: m* = manager, b* = bare, ph_* = phases of a manager's fresh start, read from its own log.

write_manifest() {
  cat >"$1" <<'EOF'
# image/examples/cluster-local.yaml, renamed, plus a trust line for the benchmark role over TCP
# (the catch-all is scram; a user rule comes before it).
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: bench
spec:
  instances: 1
  smartShutdownTimeout: 10
  stopDelay: 30
  enableSuperuserAccess: false
  postgresql:
    parameters:
      shared_buffers: 128MB
      max_connections: "100"
      log_min_duration_statement: "1s"
    pg_hba:
      - hostssl app app 127.0.0.1/32 scram-sha-256
      - host all bench 127.0.0.1/32 trust
  bootstrap:
    initdb:
      database: app
      owner: app
EOF
}

# The bare Node of the memory comparison: requires the built-ins the manager uses, then waits.
BARE_NODE_JS="for (const m of ['https', 'tls', 'net', 'child_process', 'fs', 'crypto']) require('node:' + m); setInterval(() => {}, 1 << 30);"

# launch_manager STATE PORT LOG: sets MGR_PID and LAUNCH_US (stamped just before the fork).
launch_manager() {
  now_us
  LAUNCH_US=$T
  "$BASE/manager" instance run --cluster-manifest "$BASE/cluster.yaml" --state-dir "$1" --port "$2" \
    --status-port "$P_STATUS" --metrics-port "$P_METRICS" >"$3" 2>&1 &
  MGR_PID=$!
  MGR_PIDS+=("$MGR_PID")
  WATCH_PID=$MGR_PID
}

# wait_ready PORT STATE LOG KEY: records KEY_isready, KEY_owner (µs since launch) and KEY_log ("instance ready").
# Polling only starts once postgres can answer (postmaster.pid exists: a stat, no fork), and the owner is only
# tried once the bootstrap marker is gone: the bare side is not polled during initdb either, and a 5 ms pg_isready
# loop costs a good share of one of the 2 vCPUs. The end points are unchanged.
wait_ready() {
  wait_until 60 test -e "$2/pgdata/postmaster.pid" || die "no postmaster.pid in $2/pgdata (log: $3)"
  wait_until 60 isready "$1" || die "manager on $1 never accepted connections (log: $3)"
  now_us; rec "$4_isready" $((T - LAUNCH_US))
  wait_until 60 test ! -e "$2/pgdata/pgim.bootstrap-pending" || die "bootstrap never finished (log: $3)"
  # Every 10 ms: each try is a TLS + SCRAM client on a 2-vCPU machine, competing with the bootstrap it waits for.
  POLL=0.01 wait_until 60 owner_ok "$1" "$2" bench || die "the owner never connected on $1 (log: $3)"
  now_us; rec "$4_owner" $((T - LAUNCH_US))
  wait_until 10 grep -qF '"msg":"instance ready"' "$3" || die "no 'instance ready' in $3"
  rec "$4_log" $(( $(log_us "$3" '"msg":"instance ready"') - LAUNCH_US ))
}

# The manager's own timestamps for the phases of a fresh start (µs).
record_phases() {
  local log=$1 a b c d e f s z
  z=$(log_us "$log" '"msg":"created secret"')
  s=$(log_us "$log" '"msg":"new PGDATA synced to disk"')
  a=$(log_us "$log" '"msg":"initdb started"')
  b=$(log_us "$log" '"msg":"initdb finished"')
  c=$(log_us "$log" '"msg":"postmaster started"')
  d=$(log_us "$log" 'ready to accept connections')
  e=$(log_us "$log" '"msg":"application database and owner created"')
  f=$(log_us "$log" '"msg":"instance ready"')
  [[ -n $a && -n $b && -n $c && -n $d && -n $e && -n $f ]] || { echo "  (phases: a marker is missing in $log)" >&2; return 0; }
  [[ -z $z ]] || rec ph0_launch_to_first_secret $((z - LAUNCH_US))
  rec ph1_launch_to_initdb $((a - LAUNCH_US))
  rec ph2_initdb $((b - a))
  rec ph3_files_to_spawn $((c - b))
  rec ph4_spawn_to_accepting $((d - c))
  rec ph5_bootstrap_sql $((e - d))
  rec ph6_roles_reload_ready $((f - e))
  # initdb runs with --no-sync; PGDATA is synced from the spawn on, beside the start-up and the bootstrap SQL.
  [[ -z $s ]] || rec ph7_spawn_to_synced $((s - c))
}

# record_marks PREFIX LOG T0 [NTH] NAME:PATTERN...: µs from T0 to the NTH log line matching each pattern.
record_marks() {
  local prefix=$1 log=$2 t0=$3 nth=$4 spec us; shift 4
  for spec in "$@"; do
    us=$(log_us "$log" "${spec#*:}" "$nth") && [[ -n $us ]] && rec "${prefix}_${spec%%:*}" $((us - t0))
  done
  return 0
}

# stop_measured KEY: SIGTERM the manager; KEY_exit when it exited, KEY_gone when no process it had is left.
stop_measured() {
  local pids p deadline rc=0
  pids=$(descendants "$MGR_PID")
  WATCH_PID=
  now_us; local t0=$T
  kill -TERM "$MGR_PID"
  wait "$MGR_PID" || rc=$?
  now_us; rec "$1_exit" $((T - t0))
  deadline=$((t0 + 30000000))
  for p in $pids; do
    while alive "$p"; do (( ${EPOCHREALTIME/./} < deadline )) || die "pid $p outlived the manager"; nap 0.001; done
  done
  now_us; rec "$1_gone" $((T - t0))
  ((rc == 0)) || echo "  warning: manager exited with code $rc" >&2
}

round_manager() {
  local run=$1 dir=$BASE/mgr S=$BASE/mgr/state log pm t0 kb
  rm -rf "$dir"; mkdir -p "$dir"; chmod 755 "$dir"
  [[ " ${DATA_DIRS[*]} " == *" $S/pgdata "* ]] || DATA_DIRS+=("$S/pgdata")

  log=$BASE/logs/mgr-$run-1-fresh.log
  launch_manager "$S" "$P_MGR" "$log"
  wait_ready "$P_MGR" "$S" "$log" m1
  record_phases "$log"
  as_pg psql -h "$S/controller/run" -p "$P_MGR" -d postgres -XAtq -v ON_ERROR_STOP=1 -c 'create role bench login superuser' >/dev/null
  bench_sql "$P_MGR" 'create table bench_probe (t timestamptz)' >/dev/null

  # Read after 3 s for reference, then after IDLE_SECONDS (25 s, the idle window of docs/performance.md).
  # Its CPU over the same idle window (utime + stime, in clock ticks), as µs per idle second. Over the same
  # window, the memory baseline: the same node binary with its default settings, as the same user, having
  # required only the built-ins the manager uses.
  local ticks0 ticks1 hz node_pid; hz=$(getconf CLK_TCK)
  setpriv --reuid=postgres --regid=postgres --init-groups -- node -e "$BARE_NODE_JS" &
  node_pid=$!; CHILD_PIDS+=("$node_pid")
  ticks0=$(cpu_ticks "$MGR_PID"); now_us; t0=$T
  nap 3
  rec m6_rss3_kb "$(awk '/^VmRSS:/ { print $2 }' "/proc/$MGR_PID/status")"
  nap "$((IDLE_SECONDS > 3 ? IDLE_SECONDS - 3 : 0))"
  ticks1=$(cpu_ticks "$MGR_PID"); now_us
  rec m6_idle_cpu $(( (ticks1 - ticks0) * 1000000 / hz * 1000000 / (T - t0) ))
  kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$MGR_PID/status"); rec m6_rss_kb "$kb"
  rec b6_node_rss_kb "$(awk '/^VmRSS:/ { print $2 }' "/proc/$node_pid/status")"
  kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true
  rec m6_pss_kb "$(awk '/^Pss:/ { print $2 }' "/proc/$MGR_PID/smaps_rollup")"
  rec m6_hwm_kb "$(awk '/^VmHWM:/ { print $2 }' "/proc/$MGR_PID/status")"
  stop_measured m3

  log=$BASE/logs/mgr-$run-2-restart.log
  launch_manager "$S" "$P_MGR" "$log"
  wait_ready "$P_MGR" "$S" "$log" m2
  record_marks rph "$log" "$LAUNCH_US" 1 1_spawned:'"msg":"postmaster started"' 2_accepting:'ready to accept connections' \
    3_instance_ready:'"msg":"instance ready"'
  nap 1
  pm=$(live_postmaster "$S/pgdata") || die "no live postmaster in $S/pgdata"
  now_us; t0=$T
  kill -KILL "$pm"
  wait_until 30 writable "$P_MGR" || die "manager's postgres not writable 30 s after kill -9 (log: $log)"
  now_us; rec m4_writable $((T - t0))
  wait_until 10 eval '[[ $(grep -cF "\"msg\":\"instance ready\"" "$log") -ge 2 ]]' || die "no second 'instance ready' in $log"
  rec m4_log $(( $(log_us "$log" '"msg":"instance ready"' 2) - t0 ))
  record_marks cph "$log" "$t0" 1 1_exit_seen:'"msg":"postmaster exited unexpectedly"' \
    3_startup_begins:'database system was interrupted' 4_redo_begins:'not properly shut down'
  # 3 -> 4 is the startup process fsyncing all of PGDATA before redo (recovery_init_sync_method = fsync).
  record_marks cph "$log" "$t0" 2 2_respawned:'"msg":"postmaster started"' 5_accepting:'ready to accept connections' \
    6_instance_ready:'"msg":"instance ready"'

  nap 1
  stop_measured m3b
}

# bare_mark KEY PATTERN T0: µs from T0 to the last line of the bare server log matching PATTERN.
bare_mark() {
  local ts
  ts=$(grep -F -- "$2" "$BASE/bare/postgres.log" | tail -1 | cut -c1-27)
  [[ -n $ts ]] && rec "$1" $(( $(date -d "$ts" +%s%6N) - $3 ))
  return 0
}

spawn_bare() {
  setpriv --reuid=postgres --regid=postgres --init-groups -- postgres -D "$BARE_D" -p "$P_BARE" \
    -c listen_addresses=127.0.0.1 -k "$BASE/bare" >>"$BASE/bare/postgres.log" 2>&1 &
  BARE_PID=$!
  CHILD_PIDS+=("$BARE_PID")
}

round_bare() {
  local run=$1 t0 respawns=0 opts="-p $P_BARE -c listen_addresses=127.0.0.1 -k $BASE/bare"
  BARE_D=$BASE/bare/data
  rm -rf "$BASE/bare"; mkdir -p "$BASE/bare"; chown postgres: "$BASE/bare"
  [[ " ${DATA_DIRS[*]} " == *" $BARE_D "* ]] || DATA_DIRS+=("$BARE_D")
  WATCH_PID=

  now_us; t0=$T
  as_pg initdb -D "$BARE_D" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  now_us; rec b1_initdb $((T - t0))
  as_pg pg_ctl -D "$BARE_D" -o "$opts" -l "$BASE/bare/pgctl.log" start -w >/dev/null
  wait_until 30 isready "$P_BARE" || die "bare postgres never ready"
  now_us; rec b1_ready $((T - t0))
  # What CNPG's bootstrap adds on top, done by hand: the application database (reference only).
  psql "host=127.0.0.1 port=$P_BARE user=postgres dbname=postgres" -XAtq -c 'create database app' >/dev/null
  now_us; rec b1_ready_createdb $((T - t0))
  psql "host=127.0.0.1 port=$P_BARE user=postgres dbname=postgres" -XAtq -c 'create role bench login superuser' >/dev/null
  bench_sql "$P_BARE" 'create table bench_probe (t timestamptz)' >/dev/null
  rec b6_postmaster_rss_kb "$(awk '/^VmRSS:/ { print $2 }' "/proc/$(live_postmaster "$BARE_D")/status")"

  nap 1
  now_us; t0=$T
  as_pg pg_ctl -D "$BARE_D" stop -m fast -w >/dev/null
  now_us; rec b3_pgctl_stop $((T - t0))
  now_us; t0=$T
  as_pg pg_ctl -D "$BARE_D" -o "$opts" -l "$BASE/bare/pgctl.log" start -w >/dev/null
  wait_until 30 isready "$P_BARE" || die "bare postgres never ready after pg_ctl start"
  now_us; rec b2_pgctl_start $((T - t0))
  nap 1
  as_pg pg_ctl -D "$BARE_D" stop -m fast -w >/dev/null

  # As a supervisor would: postgres spawned directly, SIGINT -> waitpid, kill -9 -> respawn at once.
  now_us; t0=$T
  spawn_bare
  wait_until 30 isready "$P_BARE" || die "directly spawned bare postgres never ready"
  now_us; rec b2_direct $((T - t0))
  nap 1
  now_us; t0=$T
  kill -INT "$BARE_PID"; wait "$BARE_PID" || true
  now_us; rec b3_direct $((T - t0))

  spawn_bare
  wait_until 30 isready "$P_BARE" || die "directly spawned bare postgres never ready"
  nap 1
  now_us; t0=$T
  kill -KILL "$BARE_PID"; wait "$BARE_PID" 2>/dev/null || true
  spawn_bare
  until writable "$P_BARE" >/dev/null 2>&1; do
    if ! alive "$BARE_PID"; then wait "$BARE_PID" || true; spawn_bare; respawns=$((respawns + 1)); fi
    (( ${EPOCHREALTIME/./} - t0 < 30000000 )) || die "bare postgres not writable 30 s after kill -9"
    nap 0.005
  done
  now_us; rec b4_writable $((T - t0))
  bare_mark bcph_3_startup_begins 'database system was interrupted' "$t0"
  bare_mark bcph_4_redo_begins 'not properly shut down' "$t0"
  ((respawns == 0)) || echo "  bare crash: $respawns extra respawn(s) (old shared memory still attached)" >&2
  kill -INT "$BARE_PID"; wait "$BARE_PID" || true
}
