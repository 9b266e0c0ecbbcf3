#!/bin/sh
# Runs every fuzz target for SECONDS each (default 600), one after the
# other, at the lowest CPU priority. Logs go to fuzz/logs/<target>.log;
# crashes to fuzz/artifacts/<target>/. See docs/reliability.md.
set -u
cd "$(dirname "$0")"
SECS=${1:-600}
shift 2>/dev/null || true
TARGETS=${*:-scenario as_rel geography traces}
mkdir -p logs
for t in $TARGETS; do
    mkdir -p "corpus/$t"
    RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        > "logs/$t.log" 2>&1
    echo "$t exit $?" >> logs/summary.txt
done
