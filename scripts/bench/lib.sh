# Helpers for scripts/bench/lifecycle (sourced, not run). Timing:
# $EPOCHREALTIME stamps (microseconds, no fork) and sleeps that are `read -t` on a FIFO (no fork either).
# Every process started here is recorded by PID and stopped by PID in cleanup().

MGR_PIDS=()      # manager (node) processes we launched
CHILD_PIDS=()    # bare postmasters we spawned directly (setpriv, so this shell is their parent)
DATA_DIRS=()     # every PGDATA we created: cleanup() stops a live postmaster found in its postmaster.pid

now_us() { T=${EPOCHREALTIME/./}; }   # sets $T; call without $(...) so no subshell is forked

open_nap() {
  rm -f "$BASE/nap.fifo"
  mkfifo "$BASE/nap.fifo"
  exec {NAPFD}<>"$BASE/nap.fifo"
}
nap() { read -r -t "${1:-0.005}" -u "$NAPFD" _ || true; }

die() { echo "lifecycle: $*" >&2; exit 1; }

# rec KEY VALUE: one sample per line under $BASE/samples.
rec() { echo "$2" >>"$BASE/samples/$1"; }

# alive PID: true while the process exists and is not a zombie (reads /proc without forking).
alive() {
  local stat
  [[ -r /proc/$1/stat ]] || return 1
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# cpu_ticks PID: the process's utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
  local stat
  read -r stat <"/proc/$1/stat"
  stat=${stat##*) }
  # shellcheck disable=SC2086 # split the fields after the command name
  set -- $stat
  echo $(( ${12} + ${13} ))
}

# The postmaster PID recorded in a data dir, if that process still runs postgres.
live_postmaster() {
  local pid cmd
  [[ -f $1/postmaster.pid ]] || return 1
  read -r pid <"$1/postmaster.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *postgres* ]] || return 1
  echo "$pid"
}

# All descendants of a PID (from /proc, before we signal it).
descendants() {
  ps -eo pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q]; if (q == root && p != root) print p } }'
}

# wait_until DEADLINE_S CMD...: polls CMD every $POLL s (default 5 ms); fails (returns 1) at the deadline
# or when $WATCH_PID (the manager under test) is gone.
wait_until() {
  local deadline=$(( ${EPOCHREALTIME/./} + $1 * 1000000 )); shift
  until "$@" >/dev/null 2>&1; do
    (( ${EPOCHREALTIME/./} < deadline )) || return 1
    [[ -z ${WATCH_PID:-} ]] || alive "$WATCH_PID" || return 1   # the manager died: no point waiting
    nap "${POLL:-0.005}"
  done
}

isready() { pg_isready -h 127.0.0.1 -p "$1" -U postgres -d postgres -q -t 2; }
# owner_ok PORT STATE_DIR CLUSTER: the application owner connects over TLS with its password.
owner_ok() {
  local s="$2/secrets/$3-app"
  PGPASSWORD=$(<"$s/password") psql "host=127.0.0.1 port=$1 dbname=$(<"$s/dbname") user=$(<"$s/username") sslmode=require connect_timeout=2" -XAtqc 'select 1'
}
# writable PORT: a committed INSERT over TCP, as the bench role, without TLS (same client path for both sides).
writable() { psql "host=127.0.0.1 port=$1 dbname=postgres user=bench sslmode=disable connect_timeout=2" -XAtqc 'insert into bench_probe values (now())'; }
bench_sql() { psql "host=127.0.0.1 port=$1 dbname=postgres user=bench sslmode=disable" -XAtq -v ON_ERROR_STOP=1 -c "$2"; }

as_pg() { runuser -u postgres -- "$@"; }

# Millisecond epoch (µs) of the Nth log line (default 1st) whose text contains PATTERN, or empty.
log_us() {
  local ts
  ts=$(grep -F -- "$2" "$1" | sed -n "${3:-1}p" | sed -n 's/^{"level":"[a-z]*","ts":"\([^"]*\)".*/\1/p')
  [[ -n $ts ]] && date -d "$ts" +%s%6N
}

# fmt_stats FILE DIVISOR DECIMALS: "median (min-max)" over the samples, or n/a.
fmt_stats() {
  [[ -s $1 ]] || { echo "n/a"; return; }
  sort -g "$1" | awk -v d="$2" -v p="$3" '{ v[NR] = $1 / d }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          f = "%." p "f"; printf(f " (" f "-" f ") n=%d", m, v[1], v[NR], NR) }'
}
median() { sort -g "$1" | awk -v d="${2:-1}" '{ v[NR] = $1 / d } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# pairwise OP A B OUT: per-run ratio (/) or difference (-) of two aligned sample files.
pairwise() { paste "$BASE/samples/$2" "$BASE/samples/$3" | awk -v op="$1" 'NF == 2 { print (op == "/") ? $1 / $2 : $1 - $2 }' >"$BASE/samples/$4"; }

stop_manager_pid() {
  local pid=$1 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 600; i++)); do alive "$pid" || break; nap 0.05; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  set +e
  trap - EXIT INT TERM
  local pid d
  for pid in "${MGR_PIDS[@]}"; do stop_manager_pid "$pid"; done
  for pid in "${CHILD_PIDS[@]}"; do alive "$pid" && kill -QUIT "$pid" 2>/dev/null; done
  for d in "${DATA_DIRS[@]}"; do
    pid=$(live_postmaster "$d") && kill -QUIT "$pid" 2>/dev/null
  done
  for pid in "${CHILD_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for d in "${DATA_DIRS[@]}"; do
    for ((i = 0; i < 100; i++)); do live_postmaster "$d" >/dev/null || break; nap 0.05; done
  done
}
