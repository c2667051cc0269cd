#!/usr/bin/env bash
# Instructions per request (DESIGN §8): each server runs under valgrind's callgrind;
# a client sends N requests over one keep-alive loopback connection, each carrying the
# cookies a browser holds after sign-in (session, CSRF, callback-url); the server stops
# on SIGINT. Per request = (Ir(1200 requests) - Ir(200 requests)) / 1000: start-up,
# sign-in and shutdown cancel out. User-space instructions, all threads.
#
#   scripts/callgrind.sh [jwt|database]      (needs valgrind, curl, python3)
#   BIG_NAME=3000 scripts/callgrind.sh jwt   (alice's name set to 3,000 characters first:
#                                             a ~4.7 kB session cookie)
#   ROWS='axum demo' scripts/callgrind.sh jwt  (only the rows whose name matches the regex)
#   KEEP=/tmp/cg scripts/callgrind.sh jwt      (keep the callgrind files of the 1,200-request
#                                             runs there, for callgrind_annotate --inclusive=yes)
#
# Servers: the axum and actix demos (their DESIGN §6 callbacks) and a bare handler per
# framework that builds and serializes the same session JSON (examples bare_axum and
# bare_actix). Requests: signed-in GET /api/me, GET /auth/session, and /api/me with no
# session cookie (the 401 path). With `database`, the demos use database sessions on
# a SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
strategy=${1:-jwt}
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
cargo build --release -q -p authgate-demo -p authgate-demo-actix --bins --examples
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
port=18200
export AUTH_SECRET=callgrind-secret-0123456789abcdef0123456789 PORT=$port RUST_LOG=error
export AUTH_URL="http://localhost:$port" AUTH_STRATEGY=$strategy DATABASE_URL="sqlite://$work/cg.db"

wait_port() { for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0; sleep 0.1; done; return 1; }

# The cookies a browser holds after signing in as alice (from a plain run of the demo;
# JWT cookies are valid for any run with the same secret, database ones live in the
# SQLite file the measured runs share).
target/release/demo > "$work/signin.log" 2>&1 &
pid=$!
wait_port
jar="$work/jar"
csrf=$(curl -fs -c "$jar" "http://localhost:$port/auth/csrf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')
curl -fs -b "$jar" -c "$jar" -o /dev/null -d "csrfToken=$csrf&username=alice&password=wonderland&callbackUrl=%2Fdashboard" "http://localhost:$port/auth/callback/credentials"
if [ -n "${BIG_NAME:-}" ]; then
  name=$(python3 -c "print('a' * int('$BIG_NAME'))")
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H 'content-type: application/json' \
    -d "{\"csrfToken\":\"$csrf\",\"data\":{\"name\":\"$name\"}}" "http://localhost:$port/auth/session"
fi
kill -INT $pid; wait $pid || true
cookies=$(awk '$6 ~ /^authjs\./ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")
anon=$(awk '$6 ~ /^authjs\./ && $6 !~ /session-token/ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")
case "$cookies" in *session-token*) ;; *) echo "sign-in failed: $cookies"; exit 1 ;; esac

client() { # path, cookie header, count
  python3 - "$port" "$1" "$2" "$3" <<'PY'
import http.client, sys
port, path, cookie, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    conn.request("GET", path, headers={"Cookie": cookie, "Host": f"localhost:{port}", "Accept": "application/json"})
    res = conn.getresponse()
    res.read()
    if res.status not in (200, 401):
        sys.exit(f"{path}: HTTP {res.status}")
PY
}

measure() { # binary, path, cookie header, count -> Ir
  local out="$work/cg.$RANDOM.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$1" > "$work/vg.log" 2>&1 &
  local vg=$!
  wait_port
  client "$2" "$3" "$4"
  kill -INT $vg; wait $vg || true
  awk '/^(summary|totals):/ {print $2; exit}' "$out"
  if [ -n "${KEEP:-}" ] && [ "$4" = 1200 ]; then
    mkdir -p "$KEEP"; cp "$out" "$KEEP/$(echo "$row_name" | tr ' /' '_-').out"
  fi
}

per_request() { # binary, path, cookie header
  local low high
  low=$(measure "$1" "$2" "$3" 200)
  high=$(measure "$1" "$2" "$3" 1200)
  echo $(( (high - low) / 1000 ))
}

printf "%-28s %12s\n" "request ($strategy sessions)" "instr/req"
row() {
  [[ "$1" =~ ${ROWS:-.} ]] || return 0
  row_name=$1
  printf "%-28s %12s\n" "$1" "$(per_request "$2" "$3" "$4")"
}
row "bare axum /api/me"          target/release/examples/bare_axum  /api/me "$cookies"
row "axum demo /api/me"          target/release/demo                /api/me "$cookies"
row "axum demo /auth/session"    target/release/demo                /auth/session "$cookies"
row "bare axum 401"              target/release/examples/bare_axum  /api/me "$anon"
row "axum demo 401"              target/release/demo                /api/me "$anon"
row "bare actix /api/me"         target/release/examples/bare_actix /api/me "$cookies"
row "actix demo /api/me"         target/release/demo-actix          /api/me "$cookies"
row "actix demo /auth/session"   target/release/demo-actix          /auth/session "$cookies"
row "bare actix 401"             target/release/examples/bare_actix /api/me "$anon"
row "actix demo 401"             target/release/demo-actix          /api/me "$anon"
