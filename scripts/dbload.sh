#!/usr/bin/env bash
# Database-session throughput: the demo's signed-in GET /api/me with database sessions
# on each store (SQLite always; PostgreSQL and Redis from DATABASE_URL / REDIS_URL), with
# the in-process session cache off and on, as a ratio of the same demo with JWT sessions. The servers run on one core (taskset 0),
# wrk on the other (taskset 1); runs alternate between the servers and the medians are
# compared, since wrk throughput swings by up to 30% between runs on these machines.
# Usage: scripts/dbload.sh [seconds per run] [rounds]   (needs wrk, curl, and psql with
# DATABASE_URL: the run makes a fresh database `authgate_dbload` on that server)
#   SESSIONS=32 scripts/dbload.sh 4 7   signs in 32 times per server and sends the 32
#   session cookies in turn (a wrk Lua script), so a gathered read holds distinct tokens
#   as with many users; by default every request sends the same cookie.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-4}
rounds=${2:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release -q -p authgate-demo --bin demo
dir=$(mktemp -d)
pids=()
trap 'kill ${pids[@]+"${pids[@]}"} 2>/dev/null || true; rm -rf "$dir"' EXIT
if [ -n "${SESSIONS:-}" ] && ! [[ $SESSIONS =~ ^[1-9][0-9]*$ ]]; then
  echo "SESSIONS must be a positive number"; exit 1
fi
# Each store twice: reading the store on every request, and with a 5 s in-process cache.
names=(jwt sqlite sqlite+cache); urls=("" "sqlite://$dir/demo.db" "sqlite://$dir/demo2.db")
if [ -n "${DATABASE_URL:-}" ]; then
  # A fresh database on that server for every run: the figure depends on the sessions
  # table (a few dozen rows are scanned, thousands go by index), so it must not carry
  # the rows of earlier runs.
  command -v psql >/dev/null || { echo "psql is needed to make the benchmark's database"; exit 1; }
  psql -q -v ON_ERROR_STOP=1 "$DATABASE_URL" \
    -c "DROP DATABASE IF EXISTS authgate_dbload WITH (FORCE)" -c "CREATE DATABASE authgate_dbload"
  pg=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/authgate_dbload")))' "$DATABASE_URL")
  names+=(postgres postgres+cache); urls+=("$pg" "$pg")
fi
if [ -n "${REDIS_URL:-}" ]; then names+=(redis redis+cache); urls+=("$REDIS_URL" "$REDIS_URL"); fi
port=18180
cookies=()
for i in "${!names[@]}"; do
  p=$((port + i))
  if [ -z "${urls[$i]}" ]; then strategy=jwt; else strategy=database; fi
  case "${names[$i]}" in *+cache) cache=5 ;; *) cache=0 ;; esac
  AUTH_SECRET=dbload-secret-0123456789abcdef0123456789 AUTH_STRATEGY=$strategy AUTH_SESSION_CACHE_SECS=$cache \
    DATABASE_URL="${urls[$i]}" PORT=$p RUST_LOG=warn taskset -c 0 target/release/demo \
    > "$dir/${names[$i]}.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p/auth/csrf" && break; sleep 0.1; done
  jar="$dir/${names[$i]}.jar"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$p/auth/csrf" | python3 -c 'import sys, json; print(json.load(sys.stdin)["csrfToken"])')
  signin() {
    curl -s -o /dev/null -c "$jar" -b "$jar" \
      -d "csrfToken=$csrf&username=alice&password=wonderland&callbackUrl=/" \
      "http://127.0.0.1:$p/auth/callback/credentials"
    awk '$6 ~ /session-token/ {print $6 "=" $7}' "$jar"
  }
  cookie=$(signin)
  [ -n "$cookie" ] || { echo "${names[$i]}: the sign-in gave no session cookie"; exit 1; }
  cookies+=("$cookie")
  if [ -n "${SESSIONS:-}" ]; then
    # One Lua table of the sessions' cookie headers; requests take them in turn.
    { echo "local cookies = {"
      for _ in $(seq "$SESSIONS"); do echo "  \"$(signin)\","; done
      echo "}"
      cat <<'LUA'
local requests, n = {}, 0
init = function()
  for i, cookie in ipairs(cookies) do requests[i] = wrk.format("GET", "/api/me", { Cookie = cookie }) end
end
request = function()
  n = n % #requests + 1
  return requests[n]
end
LUA
    } > "$dir/${names[$i]}.lua"
    distinct=$(grep 'session-token=' "$dir/${names[$i]}.lua" | sort -u | wc -l)
    [ "$distinct" = "$SESSIONS" ] \
      || { echo "${names[$i]}: $SESSIONS sign-ins gave $distinct distinct sessions"; exit 1; }
  fi
done
run() {
  local args=(-H "Cookie: ${cookies[$1]}")
  if [ -n "${SESSIONS:-}" ]; then args=(-s "$dir/${names[$1]}.lua"); fi
  local out
  out=$(taskset -c 1 wrk -t1 -c32 -d"${secs}s" "${args[@]}" "http://127.0.0.1:$((port + $1))/api/me")
  # Every answer must be the signed-in 200, or the figure measures something else.
  if grep -q 'Non-2xx' <<<"$out"; then echo "${names[$1]}: answers other than 200" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
for i in "${!names[@]}"; do run "$i" >/dev/null; done   # warm-up
results=()
for _ in $(seq "$rounds"); do
  for i in "${!names[@]}"; do results+=("${names[$i]}=$(run "$i")"); done
done
python3 - "${results[@]}" <<'PY'
import statistics, sys
runs = {}
for item in sys.argv[1:]:
    name, value = item.split("=")
    runs.setdefault(name, []).append(float(value))
jwt = statistics.median(runs["jwt"])
for name, values in runs.items():
    m = statistics.median(values)
    print(f"{name:9} " + " ".join(f"{v:.0f}" for v in values) + f"  median {m:.0f} req/s  {100 * m / jwt:.1f}% of JWT")
PY
