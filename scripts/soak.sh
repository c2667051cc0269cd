#!/usr/bin/env bash
# Soak: holds a demo at saturation with mixed traffic and watches it.
#
#   scripts/soak.sh [axum|actix] [seconds (default 600)] [jwt|database]
#
# Traffic (wrk, 2 threads, 64 connections, cycled per connection): credentials
# sign-ins (POST /auth/callback/credentials with a CSRF pair), GET /auth/session
# (re-issued every read), GET /api/me and /dashboard signed in, and GET /auth/session
# with garbage session cookies (cleared). Every expected answer is 2xx/3xx, so wrk's
# "Non-2xx or 3xx responses" and socket errors are the error count. The demo's RSS is
# sampled every 10 s. Needs wrk (apt-get install wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
framework=${1:-axum}
secs=${2:-600}
strategy=${3:-jwt}
port=18090
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
case $framework in
  axum) bin=demo; pkg=authgate-demo ;;
  actix) bin=demo-actix; pkg=authgate-demo-actix ;;
  *) echo "axum or actix"; exit 2 ;;
esac
cargo build --release -q -p "$pkg"
work=$(mktemp -d)
db="$work/soak.db"
AUTH_SECRET=soak-secret-0123456789abcdef0123456789 PORT=$port AUTH_STRATEGY=$strategy \
  DATABASE_URL="sqlite://$db" RUST_LOG=warn target/release/$bin > "$work/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://localhost:$port"
for _ in $(seq 100); do curl -fs "$base/auth/csrf" >/dev/null 2>&1 && break; sleep 0.1; done
# One CSRF pair (cookie + token) serves every sign-in; one signed-in session for reads.
jar="$work/jar"
csrf=$(curl -fs -c "$jar" "$base/auth/csrf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrfToken"])')
csrf_cookie=$(awk '$6 ~ /csrf-token/ {print $6"="$7}' "$jar")
curl -fs -b "$jar" -c "$jar" -o /dev/null -d "csrfToken=$csrf&username=alice&password=wonderland" "$base/auth/callback/credentials"
session=$(awk '$6 ~ /session-token/ {print $6"="$7}' "$jar")
[ -n "$session" ] || { echo "sign-in failed"; cat "$work/demo.log"; exit 1; }
cat > "$work/mix.lua" <<LUA
-- wrk.format adds no Host header to a custom header table (HTTP/1.1 needs one).
local reqs = {
  wrk.format("POST", "/auth/callback/credentials",
    {["Host"] = "localhost:$port", ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "$csrf_cookie"},
    "csrfToken=$csrf&username=bob&password=builder&callbackUrl=%2F"),
  wrk.format("GET", "/auth/session", {["Host"] = "localhost:$port", ["Cookie"] = "$session"}),
  wrk.format("GET", "/api/me", {["Host"] = "localhost:$port", ["Cookie"] = "$session"}),
  wrk.format("GET", "/dashboard", {["Host"] = "localhost:$port", ["Cookie"] = "$session"}),
  wrk.format("GET", "/auth/session", {["Host"] = "localhost:$port", ["Cookie"] = "authjs.session-token=garbage.not.a.token; authjs.session-token.0=x; theme=caf\195\169"}),
  wrk.format("GET", "/api/me", {["Host"] = "localhost:$port", ["Cookie"] = "$session"}),
}
local i = 0
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
-- An answer that is a 5xx or a redirect to an error (a refused sign-in) is an error.
errors = 0
response = function(status, headers, body)
  local loc = headers["Location"] or headers["location"]
  if status >= 500 or (loc and string.find(loc, "error=", 1, true)) then
    errors = errors + 1
  end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write("auth errors (5xx or error redirects): " .. e .. "\n")
end
LUA
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "soak: $framework, $strategy sessions, ${secs} s; RSS (kB) every 10 s:"
samples=("$(rss)")
wrk -t2 -c64 -d"${secs}s" --timeout 10s -s "$work/mix.lua" "$base" > "$work/wrk.txt" &
wrk_pid=$!
while kill -0 $wrk_pid 2>/dev/null; do
  sleep 10
  samples+=("$(rss)")
done
wait $wrk_pid || true
echo "${samples[*]}"
cat "$work/wrk.txt"
python3 - "${samples[*]}" <<'PY'
import sys
s = [int(x) for x in sys.argv[1].split() if x]
first_minute = s[min(6, len(s) - 1)]
print(f"RSS: start {s[0]} kB, after 1 min {first_minute} kB, max {max(s)} kB, end {s[-1]} kB; "
      f"growth after the first minute {s[-1] - first_minute:+d} kB")
PY
if grep -q "Non-2xx\|Socket errors" "$work/wrk.txt" || ! grep -q "auth errors (5xx or error redirects): 0$" "$work/wrk.txt"; then
  echo "ERRORS: see above"
else
  echo "errors: 0"
fi
kill -0 $pid && echo "the demo is still up"
