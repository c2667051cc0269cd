#!/usr/bin/env bash
# Load test, as context for the instruction counts of scripts/callgrind.sh (DESIGN §8):
# the demo app (its DESIGN §6 callbacks run on every request) against the bare handler
# that builds and serializes the same session JSON, over keep-alive loopback. The server
# runs on one core (taskset 0), wrk on the other (taskset 1); bare and demo runs
# alternate, and the medians are compared. Every request carries the cookies a browser
# holds after signing in as alice (session, CSRF, callback-url).
#
#   scripts/loadtest.sh [axum|actix] [seconds per run] [rounds] [path]   (needs wrk)
#   scripts/loadtest.sh axum 5 5 /auth/session     (the demo's /auth/session; the bare
#                                                   handler answers /api/me)
#
# wrk figures on this machine swing by up to 30% between runs: trust the instruction
# counts, read these as context.
set -euo pipefail
cd "$(dirname "$0")/.."
framework=${1:-axum}
secs=${2:-5}
rounds=${3:-5}
path=${4:-/api/me}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
case "$framework" in
  axum) demo=target/release/demo; bare=target/release/examples/bare_axum ;;
  actix) demo=target/release/demo-actix; bare=target/release/examples/bare_actix ;;
  *) echo "usage: $0 [axum|actix] [secs] [rounds] [path]"; exit 1 ;;
esac
cargo build --release -q -p authgate-demo -p authgate-demo-actix --bins --examples
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
demo_port=18300
bare_port=18301
export AUTH_SECRET=loadtest-secret-0123456789abcdef0123456789 RUST_LOG=error
export AUTH_URL="http://localhost:$demo_port"

wait_port() { for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

PORT=$demo_port taskset -c 0 "$demo" > "$work/demo.log" 2>&1 &
PORT=$bare_port taskset -c 0 "$bare" > "$work/bare.log" 2>&1 &
wait_port $demo_port
wait_port $bare_port

# Sign in as alice, as a browser would.
jar="$work/jar"
csrf=$(curl -fs -c "$jar" "http://localhost:$demo_port/auth/csrf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')
curl -fs -b "$jar" -c "$jar" -o /dev/null -d "csrfToken=$csrf&username=alice&password=wonderland&callbackUrl=%2Fdashboard" "http://localhost:$demo_port/auth/callback/credentials"
cookies=$(awk '$6 ~ /^authjs\./ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")
case "$cookies" in *session-token*) ;; *) echo "sign-in failed: $cookies"; exit 1 ;; esac
# The demo must answer 200 with the session before anything is measured.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookies" "http://localhost:$demo_port$path")
[ "$code" = 200 ] || { echo "demo $path answered $code"; exit 1; }

run() { # port, path
  taskset -c 1 wrk -t1 -c32 -d"${secs}s" -H "Cookie: $cookies" -H "Host: localhost:$demo_port" \
    "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non2xx"}'
}
run $bare_port /api/me >/dev/null; run $demo_port "$path" >/dev/null   # warm-up
bare_runs=(); demo_runs=()
for _ in $(seq "$rounds"); do
  bare_runs+=("$(run $bare_port /api/me | tr '\n' ' ')")
  demo_runs+=("$(run $demo_port "$path" | tr '\n' ' ')")
done
python3 - "$framework" "$path" "${bare_runs[*]}" "${demo_runs[*]}" <<'PY'
import statistics, sys
framework, path = sys.argv[1], sys.argv[2]
if "non2xx" in sys.argv[3] + sys.argv[4]:
    sys.exit("some answers were not 2xx: the figures would not be comparable")
bare = [float(x) for x in sys.argv[3].split()]
demo = [float(x) for x in sys.argv[4].split()]
mb, md = statistics.median(bare), statistics.median(demo)
print(f"bare {framework} /api/me:   " + " ".join(f"{x:.0f}" for x in bare) + f"  median {mb:.0f} req/s")
print(f"{framework} demo {path}: " + " ".join(f"{x:.0f}" for x in demo) + f"  median {md:.0f} req/s")
print(f"ratio: {100 * md / mb:.1f}% of the bare handler")
PY
