#!/usr/bin/env bash
# Side-by-side BGP propagation: BGPy (PyPI bgpy-pkg 13.0.13, its plain
# Gao-Rexford `BGP` policy, via ../shared/peers/bgpy_anycast.py) and
# `cdnsim routes` (lowest-ASN tie-break, no geography) on the same CAIDA
# graph and origin sets, in one run. Prints, per origin set: BGPy's
# propagation and graph-build wall seconds, cdnsim's solve and load wall
# seconds, the ratios, and how many ASes agree on (origin, AS path).
#
#   benches/peers/bgp_side_by_side.sh [AS-REL FILE] [ORIGINS ...]
#
# Defaults: ../shared/data/caida/20250901.as-rel2.txt.bz2 and the origin sets
# 13335, 15169, 3356 and the anycast set 13335,15169,16509,20940,54113.
# Creates its own venv in target/bgpy-venv (pip install bgpy-pkg==13.0.13)
# when absent — the same venv the CI agreement test uses.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${CDNSIM_SHARED_DATA:-../shared/data}
REL=${1:-$SHARED/caida/20250901.as-rel2.txt.bz2}
shift || true
if [ "$#" -gt 0 ]; then SETS=("$@"); else
  SETS=(13335 15169 3356 13335,15169,16509,20940,54113)
fi
PEER=${CDNSIM_PEERS:-$(dirname "$SHARED")/peers}/bgpy_anycast.py
for f in "$REL" "$PEER"; do
  [ -f "$f" ] || { echo "skipped: $f absent" >&2; exit 0; }
done
VENV=target/bgpy-venv
PY=$VENV/bin/python
if ! "$PY" -c 'import bgpy' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q bgpy-pkg==13.0.13
fi
cargo build -q --release --locked
BIN=target/release/cdnsim
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "graph: $REL"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
printf '%-36s %9s %9s %10s %9s %9s %9s %14s\n' origins bgpy_prop bgpy_build cdnsim_solve ratio cdnsim_load e2e_ratio agree
for set in "${SETS[@]}"; do
  "$PY" "$PEER" --caida "$REL" --origin-asns "$set" --out "$TMP/bgpy.tsv" 2>"$TMP/bgpy.err"
  prop=$(sed -n 's/.*propagation \([0-9.]*\).*/\1/p' "$TMP/bgpy.err")
  build=$(sed -n 's/.*ASGraph build \([0-9.]*\).*/\1/p' "$TMP/bgpy.err")
  total=$(sed -n 's/.*total(excl. import) \([0-9.]*\).*/\1/p' "$TMP/bgpy.err")
  "$BIN" routes --relationships "$REL" --origin "$set" --out "$TMP/ours.csv" --timings 2>"$TMP/ours.err"
  solve=$(sed -n 's/.*solve_s=\([0-9.]*\).*/\1/p' "$TMP/ours.err")
  load=$(sed -n 's/.*load_s=\([0-9.]*\).*/\1/p' "$TMP/ours.err")
  write=$(sed -n 's/.*write_s=\([0-9.]*\).*/\1/p' "$TMP/ours.err")
  agree=$(python3 - "$TMP/bgpy.tsv" "$TMP/ours.csv" <<'EOF'
import csv, sys
bgpy = {}
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        asn, origin, path = line.rstrip("\n").split("\t")
        bgpy[asn] = (origin, path) if origin != "-" else ("", "")
same = n = 0
with open(sys.argv[2]) as f:
    for row in csv.DictReader(f):
        n += 1
        same += bgpy.get(row["asn"]) == (row["origin"], row["as_path"])
print(f"{same}/{n}")
EOF
)
  awk -v o="$set" -v p="$prop" -v b="$build" -v s="$solve" -v l="$load" -v w="$write" -v t="$total" -v a="$agree" \
    'BEGIN { printf "%-36s %9.3f %9.3f %10.6f %8.0fx %9.3f %8.1fx %14s\n", o, p, b, s, p / (s > 0 ? s : 1e-6), l, t / (l + s + w), a }'
done
echo "bgpy_prop: BGPy propagation only; cdnsim_solve: bgp::solve only (both wall s)."
echo "e2e_ratio: BGPy graph read + build + setup + propagation + output over cdnsim load + solve + write."
