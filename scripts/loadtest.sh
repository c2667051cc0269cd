#!/usr/bin/env bash
# Load test: the same /api/me handler with and without AuthLayer, over loopback.
# The server runs on one core (taskset 0), wrk on the other (taskset 1); bare and
# layered runs alternate, and the medians are compared.
# Usage: scripts/loadtest.sh [axum|actix] [seconds per run] [rounds]   (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
framework=${1:-axum}
secs=${2:-5}
rounds=${3:-5}
port=18080
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release -q -p "authgate-$framework" --example "loadtest_$framework"
out=$(mktemp)
PORT=$port taskset -c 0 target/release/examples/"loadtest_$framework" > "$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
cookie=$(head -n1 "$out")
run() { taskset -c 1 wrk -t1 -c32 -d"${secs}s" -H "Cookie: $cookie" "http://127.0.0.1:$1/api/me" | awk '/Requests\/sec/ {print $2}'; }
run $port >/dev/null; run $((port + 1)) >/dev/null   # warm-up
bare=(); layered=()
for _ in $(seq "$rounds"); do
  bare+=("$(run $port)"); layered+=("$(run $((port + 1)))")
done
python3 - "${bare[*]}" "${layered[*]}" <<'PY'
import statistics, sys
bare = [float(x) for x in sys.argv[1].split()]
layered = [float(x) for x in sys.argv[2].split()]
mb, ml = statistics.median(bare), statistics.median(layered)
print("bare handler:   " + " ".join(f"{x:.0f}" for x in bare) + f"  median {mb:.0f} req/s")
print("with AuthLayer: " + " ".join(f"{x:.0f}" for x in layered) + f"  median {ml:.0f} req/s")
print(f"ratio: {100 * ml / mb:.1f}% of bare")
PY
