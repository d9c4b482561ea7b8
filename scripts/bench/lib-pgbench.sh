# Measure 5: pgbench TPC-B-like, interleaved pairs, the manager's postgres (A) against a bare cluster (B)
# given the manager's custom.conf minus paths, port and TLS. Both run at the same time, both are reached over
# TCP on 127.0.0.1 without TLS as the superuser role `bench` (a trust line in the benchmark manifest).

# Writes the bare cluster's settings from the manager's custom.conf: everything but where things live.
derive_bench_conf() {
  grep -Ev "^[[:space:]]*(#|$|port|listen_addresses|unix_socket_directories|ssl|log_directory|cluster_name|cnpg\.)" "$1"
  echo "log_directory = '$BASE/pgb-bare/log'"
}

# Every setting of the running server except those expected to differ (paths, port, TLS, names).
settings_of() {
  bench_sql "$1" "select name || ' = ' || setting from pg_settings
    where name !~ '^(ssl|cnpg\\.)' and name not in ('config_file', 'data_directory', 'hba_file', 'ident_file', 'port',
      'listen_addresses', 'unix_socket_directories', 'log_directory', 'cluster_name', 'external_pid_file')
    order by name"
}

pgbench_once() { # PORT -> tps (without initial connection time)
  bench_sql "$1" 'checkpoint' >/dev/null
  PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$1" -U bench -c 8 -j 2 -T "$PGBENCH_SECONDS" postgres 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p'
}

pgbench_pairs() {
  local S=$BASE/pgb-mgr/state D=$BASE/pgb-bare/data log=$BASE/logs/pgbench-manager.log i who tps
  ((PGBENCH_PAIRS > 0)) || return 0
  echo "  pgbench: setting up both clusters" >&2
  rm -rf "$BASE/pgb-mgr" "$BASE/pgb-bare"
  mkdir -p "$BASE/pgb-mgr" "$BASE/pgb-bare/log"; chmod 755 "$BASE/pgb-mgr"; chown -R postgres: "$BASE/pgb-bare"
  DATA_DIRS+=("$S/pgdata" "$D")

  launch_manager "$S" "$P_MGR_PGB" "$log"
  local pgb_mgr=$MGR_PID
  wait_ready "$P_MGR_PGB" "$S" "$log" pgb_setup
  as_pg psql -h "$S/controller/run" -p "$P_MGR_PGB" -d postgres -XAtq -v ON_ERROR_STOP=1 -c 'create role bench login superuser' >/dev/null

  as_pg initdb -D "$D" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  derive_bench_conf "$S/pgdata/custom.conf" >"$D/bench.conf"
  echo "include 'bench.conf'" >>"$D/postgresql.conf"
  chown postgres: "$D/bench.conf"
  as_pg pg_ctl -D "$D" -o "-p $P_BARE_PGB -c listen_addresses=127.0.0.1 -k $BASE/pgb-bare" -l "$BASE/pgb-bare/pgctl.log" start -w >/dev/null
  psql "host=127.0.0.1 port=$P_BARE_PGB user=postgres dbname=postgres" -XAtq -c 'create role bench login superuser' >/dev/null

  settings_of "$P_MGR_PGB" >"$BASE/settings-manager.txt"
  settings_of "$P_BARE_PGB" >"$BASE/settings-bare.txt"
  diff "$BASE/settings-manager.txt" "$BASE/settings-bare.txt" | grep '^[<>]' >"$BASE/settings-diff.txt" || true

  for port in "$P_MGR_PGB" "$P_BARE_PGB"; do
    PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$port" -U bench -i -s "$PGBENCH_SCALE" -q postgres >/dev/null 2>&1 ||
      die "pgbench -i failed on port $port"
  done
  for ((i = 1; i <= PGBENCH_PAIRS; i++)); do
    if ((i % 2)); then order=(manager bare); else order=(bare manager); fi
    for who in "${order[@]}"; do
      if [[ $who == manager ]]; then tps=$(pgbench_once "$P_MGR_PGB"); else tps=$(pgbench_once "$P_BARE_PGB"); fi
      [[ -n $tps ]] || die "pgbench against the $who cluster printed no tps"
      rec "m5_tps_$who" "$tps"
      echo "  pgbench pair $i/$PGBENCH_PAIRS: $who $tps tps" >&2
    done
  done
  mv "$BASE/samples/m5_tps_manager" "$BASE/samples/m5_tps"
  mv "$BASE/samples/m5_tps_bare" "$BASE/samples/b5_tps"

  MGR_PID=$pgb_mgr
  stop_measured pgb_stop
  as_pg pg_ctl -D "$D" stop -m fast -w >/dev/null
}
