# The result table (sourced by scripts/bench/lifecycle). Times are stored in µs, memory in kB, pgbench in tps.
# Ratios and differences are taken run by run (each run's manager against the same run's bare), then summarised.

SMP() { echo "$BASE/samples/$1"; }

# verdict VALUE OP LIMIT -> PASS/FAIL
verdict() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print (v == "nan") ? "n/a" : (ok ? "PASS" : "FAIL") }'; }

# row LABEL MGR_KEY BARE_KEY OP(/ or -) TARGET_OP TARGET [absolute]: one table line; ms unless the keys say kb/tps.
row() {
  local label=$1 mk=$2 bk=$3 op=${4:-} top=${5:-} tlim=${6:-} mode=${7:-pair} div=1000 dec=0 unit=ms cmp='' med='nan' res=''
  [[ $mk == *_kb ]] && { div=1024; dec=1; unit=MiB; }
  [[ $mk == *tps* ]] && { div=1; dec=0; unit=tps; }
  [[ $mk == *_cpu ]] && dec=2
  local m b
  m=$([[ -n $mk ]] && fmt_stats "$(SMP "$mk")" "$div" "$dec" || echo -)
  b=$([[ -n $bk ]] && fmt_stats "$(SMP "$bk")" "$div" "$dec" || echo -)
  if [[ -n $op && -n $mk && -n $bk && -s $(SMP "$mk") && -s $(SMP "$bk") ]]; then
    pairwise "$op" "$mk" "$bk" "cmp_${mk}_${bk}"
    if [[ $op == / ]]; then
      cmp="$(fmt_stats "$(SMP "cmp_${mk}_${bk}")" 1 3)x"; med=$(median "$(SMP "cmp_${mk}_${bk}")")
    else
      cmp="diff $(fmt_stats "$(SMP "cmp_${mk}_${bk}")" 1000 0) ms"; med=$(median "$(SMP "cmp_${mk}_${bk}")" 1000)
    fi
  fi
  if [[ $mode == absolute && -s $(SMP "$mk") ]]; then med=$(median "$(SMP "$mk")" "$div"); fi
  if [[ -n $top ]]; then
    res=$(verdict "$med" "$top" "$tlim")
    if [[ $mode == absolute ]]; then tlim="manager $top $tlim $unit"; elif [[ $op == / ]]; then tlim="ratio $top $tlim"; else tlim="diff $top $tlim ms"; fi
  else
    tlim=''
  fi
  printf '%-46s | %-30s | %-30s | %-30s | %-22s | %s\n' "$label" "$m" "$b" "${cmp:--}" "${tlim:--}" "${res:-}"
}

report() {
  echo
  echo "# pg-instance-manager lifecycle benchmark ($(date -u +%FT%TZ), RUNS=$RUNS, pgbench ${PGBENCH_PAIRS}x${PGBENCH_SECONDS}s pairs, scale $PGBENCH_SCALE)"
  echo "# median (min-max) n; comparisons are run by run (manager run i vs bare run i, order alternated)"
  echo "# load average at the start: $LOADAVG_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
  printf '%-46s | %-30s | %-30s | %-30s | %-22s | %s\n' measure manager bare 'manager vs bare' target result
  printf '%.0s-' {1..180}; echo
  row '1 empty dir -> ready (isready + owner conn)' m1_owner b1_ready / '<=' 1.10
  row '  1a empty dir -> accepting (TCP pg_isready)' m1_isready b1_ready / '<=' 1.10
  row '  1b empty dir -> "instance ready" log line' m1_log b1_ready /
  row '  1c initdb alone (manager: --no-sync, log)' ph2_initdb b1_initdb /
  row '  1d vs bare + psql CREATE DATABASE app' m1_owner b1_ready_createdb /
  row '2 existing dir -> ready (isready + owner)' m2_owner b2_pgctl_start - '<=' 150
  row '  2a existing dir -> TCP pg_isready only' m2_isready b2_pgctl_start -
  row '  2b existing dir -> "instance ready" log' m2_log b2_pgctl_start -
  row '  2c bare: postgres spawned directly' '' b2_direct
  row '3 SIGTERM -> all gone (bare: pg_ctl stop fast)' m3_gone b3_pgctl_stop - '<=' 300 absolute
  row '  3a SIGTERM -> manager exited' m3_exit b3_direct -
  row '  3b SIGTERM -> all gone, after a crash' m3b_gone b3_pgctl_stop -
  row '  3c bare: SIGINT -> waitpid' '' b3_direct
  row '4 kill -9 postmaster -> INSERT ok' m4_writable b4_writable - '<=' 1000 absolute
  row '  4a kill -9 -> "instance ready" log' m4_log b4_writable -
  row '5 pgbench TPC-B -c 8 -j 2 (tps)' m5_tps b5_tps / '>=' 0.97
  row "6 manager VmRSS, ${IDLE_SECONDS} s idle (bare: node)" m6_rss_kb b6_node_rss_kb / '<=' 1.25
  row '  6e bare postmaster VmRSS (reference)' '' b6_postmaster_rss_kb
  row '  6c manager VmRSS, 3 s idle' m6_rss3_kb ''
  row '  6a manager idle Pss (shares pages: bare node)' m6_pss_kb ''
  row '  6b manager VmHWM (peak)' m6_hwm_kb ''
  row "  6d manager CPU, ms per s over ${IDLE_SECONDS} s idle" m6_idle_cpu ''
  echo
  echo "# manager fresh start, phases from its own log timestamps (ms)"
  local k
  for k in ph0_launch_to_first_secret ph1_launch_to_initdb ph2_initdb ph3_files_to_spawn ph4_spawn_to_accepting ph5_bootstrap_sql ph6_roles_reload_ready ph7_spawn_to_synced; do
    printf '  %-26s %s\n' "${k#ph?_}" "$(fmt_stats "$(SMP "$k")" 1000 0)"
  done
  echo
  echo "# manager restart of an existing dir, from launch (ms)"
  for k in "$BASE"/samples/rph_*; do [[ -e $k ]] && printf '  %-26s %s\n' "${k##*/rph_}" "$(fmt_stats "$k" 1000 0)"; done
  echo
  echo "# manager crash (kill -9 of the postmaster), from the kill (ms)"
  for k in "$BASE"/samples/cph_*; do [[ -e $k ]] && printf '  %-26s %s\n' "${k##*/cph_}" "$(fmt_stats "$k" 1000 0)"; done
  for k in "$BASE"/samples/bcph_*; do [[ -e $k ]] && printf '  %-26s %s\n' "bare: ${k##*/bcph_}" "$(fmt_stats "$k" 1000 0)"; done
  if [[ -f $BASE/settings-diff.txt ]]; then
    echo
    if [[ -s $BASE/settings-diff.txt ]]; then
      echo "# pgbench: pg_settings that differ (< manager, > bare), paths/port/TLS excluded:"
      sed 's/^/  /' "$BASE/settings-diff.txt"
    else
      echo "# pgbench: pg_settings identical on both clusters (paths, port, TLS excluded)"
    fi
  fi
  echo
  echo "# raw samples: $BASE/samples (µs, kB, tps); manager logs: $BASE/logs"
}
