#!/usr/bin/env bash
# Side-by-side replay speed: libCacheSim (PyPI libcachesim 0.3.5, its C loop
# `process_trace`) and cdnsim's `cache replay` on the same traces, same
# capacities, in one run; prints requests/s of each, the ratio, and whether
# the miss counts agree.
#
#   benches/peers/side_by_side.sh [REPEAT]     (default: best of 3 runs each)
#
# Creates its own venv in target/peers-venv (pip install libcachesim==0.3.5)
# and the 5M-request Zipf trace target/zipf5m.oracleGeneral (libCacheSim's
# generator: 1M objects, alpha 1.0, 4096-byte objects, seed 42) when absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${1:-3}
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
  [ -f "$d/cache/cloudPhysicsIO.oracleGeneral.bin" ] && CLOUD="$d/cache/cloudPhysicsIO.oracleGeneral.bin" && break
done

cargo build -q --release --example cache_replay
BIN=target/release/examples/cache_replay

run() { # name trace capacity_bytes
  local name=$1 trace=$2 cap=$3
  echo "== $name: $(basename "$trace"), capacity $cap bytes, best of $REPEAT"
  printf '%-7s %12s %12s %12s %12s %7s %s\n' policy lcs_misses cdnsim_misses lcs_req/s cdnsim_req/s ratio agree
  "$PY" "$PEER" time --trace "$trace" --capacity "$cap" --repeat "$REPEAT" \
    --policies LRU,FIFO,S3FIFO,SIEVE | while read -r pol n lmiss _ _ _ lrps; do
    local best=0 cmiss=0
    for _ in $(seq "$REPEAT"); do
      out=$("$BIN" replay --trace "$trace" --policy "$pol" --capacity "$cap")
      cmiss=$(awk -F': ' '$1=="misses"{print $2}' <<<"$out")
      rps=$(awk -F': ' '$1=="requests/s"{print $2}' <<<"$out")
      best=$(awk -v a="$best" -v b="$rps" 'BEGIN{print (b>a)?b:a}')
    done
    ratio=$(awk -v a="$best" -v b="$lrps" 'BEGIN{printf "%.2f", a/b}')
    agree=$([ "$cmiss" = "$lmiss" ] && echo yes || echo NO)
    printf '%-7s %12s %12s %12.0f %12.0f %7s %s\n' "$pol" "$lmiss" "$cmiss" "$lrps" "$best" "$ratio" "$agree"
  done
}

[ -n "$CLOUD" ] && run cloudphysics "$CLOUD" $((256 * 1024 * 1024)) \
  || echo "skipped cloudphysics: ../shared/data/cache not found"
run zipf5m "$ZIPF" $((10000 * 4096))
