#!/usr/bin/env bash
# Side-by-side replay speed: libCacheSim (PyPI libcachesim 0.3.5, its C loop
# `process_trace`) and cdnsim's `cache replay` on the same traces, same
# capacities, in one run; prints requests per CPU-second of each (this
# thread's user + system time: the per-core figure on a shared machine),
# requests per wall second, the ratios, and whether the miss counts agree.
#
#   benches/peers/side_by_side.sh [REPEAT] [HASHPOWER]
#
# REPEAT: best of N runs each (default 3). HASHPOWER: log2 of libCacheSim's
# hash-table buckets (default 24, the Python package's default; 20 fits these
# traces and spares libCacheSim page faults on a mostly empty 128 MiB table).
#
# Creates its own venv in target/peers-venv (pip install libcachesim==0.3.5)
# and the 5M-request Zipf trace target/zipf5m.oracleGeneral (libCacheSim's
# generator: 1M objects, alpha 1.0, 4096-byte objects, seed 42) when absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${1:-3}
HASHPOWER=${2:-24}
VENV=target/peers-venv
PY=$VENV/bin/python
PEER=benches/peers/libcachesim_replay.py

if ! "$PY" -c 'import libcachesim' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q libcachesim==0.3.5
fi
ZIPF=target/zipf5m.oracleGeneral
if [ ! -f "$ZIPF" ]; then
  "$PY" "$PEER" zipf --trace-out "$ZIPF" --requests 5000000 --objects 1000000 \
    --alpha 1.0 --obj-size 4096 --seed 42
fi
CLOUD=""
for d in ../shared/data ../../shared/data; do
  if [ -f "$d/cache/cloudPhysicsIO.oracleGeneral.bin" ]; then
    CLOUD="$d/cache/cloudPhysicsIO.oracleGeneral.bin"
    break
  fi
done

cargo build -q --release --example cache_replay
BIN=target/release/examples/cache_replay

max() { awk -v a="$1" -v b="$2" 'BEGIN{print (b>a)?b:a}'; }

run() { # name trace capacity_bytes
  local name=$1 trace=$2 cap=$3
  echo "== $name: $(basename "$trace"), capacity $cap bytes, best of $REPEAT, libCacheSim hashpower $HASHPOWER"
  printf '%-7s %10s %10s %12s %12s %6s %12s %12s %6s\n' policy lcs_miss cdnsim_miss \
    lcs_req/cpu-s cdnsim/cpu-s ratio lcs_req/s cdnsim_req/s ratio
  "$PY" "$PEER" time --trace "$trace" --capacity "$cap" --repeat "$REPEAT" --hashpower "$HASHPOWER" \
    --policies LRU,FIFO,S3FIFO,SIEVE,CLOCK | while read -r pol _ lmiss _ _ _ lrps _ lcpu; do
    local best=0 bestc=0 cmiss=0 out
    for _ in $(seq "$REPEAT"); do
      out=$("$BIN" replay --trace "$trace" --policy "$pol" --capacity "$cap")
      cmiss=$(awk -F': ' '$1=="misses"{print $2}' <<<"$out")
      best=$(max "$best" "$(awk -F': ' '$1=="requests/s"{print $2}' <<<"$out")")
      bestc=$(max "$bestc" "$(awk -F': ' '$1=="requests/cpu-s"{print $2}' <<<"$out")")
    done
    printf '%-7s %10s %10s %12.0f %12.0f %6.2f %12.0f %12.0f %6.2f %s\n' "$pol" "$lmiss" "$cmiss" \
      "$lcpu" "$bestc" "$(awk -v a="$bestc" -v b="$lcpu" 'BEGIN{print a/b}')" \
      "$lrps" "$best" "$(awk -v a="$best" -v b="$lrps" 'BEGIN{print a/b}')" \
      "$([ "$cmiss" = "$lmiss" ] && echo agree || echo DISAGREE)"
  done
}

if [ -n "$CLOUD" ]; then
  run cloudphysics "$CLOUD" $((256 * 1024 * 1024))
else
  echo "skipped cloudphysics: ../shared/data/cache not found"
fi
run zipf5m "$ZIPF" $((10000 * 4096))
