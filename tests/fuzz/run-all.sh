#!/bin/sh
# Builds every fuzz target once, then runs each for SECONDS (default 600),
# one after the other, at the lowest CPU priority. Logs go to
# tests/fuzz/logs/<target>.log, crashes to tests/fuzz/artifacts/<target>/, a one-line
# result per target to tests/fuzz/logs/summary.txt. See docs/reliability.md.
#   tests/fuzz/run-all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
SECS=${1:-600}
shift 2>/dev/null || true
TARGETS=${*:-scenario as_rel geography traces}
mkdir -p logs
RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz build --fuzz-dir . -s none > logs/build.log 2>&1 || exit 1
BIN=target/x86_64-unknown-linux-gnu/release
for t in $TARGETS; do
    mkdir -p "corpus/$t" "artifacts/$t"
    start=$(date -u +%FT%TZ)
    nice -n 19 "$BIN/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$SECS" \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        "corpus/$t" "seeds/$t" > "logs/$t.log" 2>&1
    rc=$?
    runs=$(grep -a '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
    echo "$t start $start exit $rc executions ${runs:-?} seconds $SECS" >> logs/summary.txt
done
