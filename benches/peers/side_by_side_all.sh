#!/usr/bin/env bash
# Every side-by-side comparison with the peer tools in one run: BGP
# propagation against BGPy, then cache replay against libCacheSim. Each part
# builds its own Python venv under target/ from PyPI and skips with a reason
# when Python or ../shared/data is absent. Figures go to docs/performance.md.
#
#   benches/peers/side_by_side_all.sh
set -euo pipefail
cd "$(dirname "$0")"
echo "### BGP: BGPy vs cdnsim"
./bgp_side_by_side.sh
echo
echo "### Cache replay: libCacheSim vs cdnsim (best of 5, libCacheSim hashpower 20)"
./side_by_side.sh 5 20
