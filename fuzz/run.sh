#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for its share of the
# time, niced, one process at a time, and keeps each run's log in
# fuzz/logs/. Usage: fuzz/run.sh [TARGET:SECONDS ...]
# (default pprof:900 pprof_model:600 pprof_tables:600 legacy:420 memstats:240
# gctrace:300, 51 minutes).
# Needs nightly and cargo-fuzz (cargo install cargo-fuzz).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/fuzz/seed.sh" > /dev/null
mkdir -p fuzz/logs
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(pprof:900 pprof_model:600 pprof_tables:600 legacy:420 memstats:240 gctrace:300)
status=0
for run in "${runs[@]}"; do
    target="${run%%:*}"
    seconds="${run#*:}"
    log="fuzz/logs/$target.$(date +%Y%m%d-%H%M%S).log"
    echo "== $target for ${seconds}s, log in $log"
    LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    nice -n 10 cargo +nightly fuzz run "$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
        > "$log" 2>&1
    code=$?
    grep -aE '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)' "$log" | tail -2
    if [ $code -ne 0 ]; then
        echo "   $target FAILED (exit $code): see $log and fuzz/artifacts/$target/"
        status=1
    fi
done
exit $status
