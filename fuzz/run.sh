#!/usr/bin/env bash
# Runs every fuzz target for RUNS executions (default 10 million) with cargo-fuzz on
# stable Rust (`-s none`: no sanitizer flags, which need nightly; libFuzzer's coverage
# instrumentation works on stable), starting from the committed seeds, and prints one
# line per target: executions, time, crashes. Corpora grow under $CORPUS (default
# /tmp/authgate-fuzz-corpus), not in the repo.
#
#   cargo install cargo-fuzz
#   fuzz/run.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${1:-10000000}"
shift || true
TARGETS=("${@:-token_decode cookie_header body redirect handle}")
CORPUS="${CORPUS:-/tmp/authgate-fuzz-corpus}"
cargo fuzz build -s none >/dev/null
for t in ${TARGETS[@]}; do
  mkdir -p "$CORPUS/$t"
  start=$(date +%s)
  if cargo fuzz run -s none "$t" "$CORPUS/$t" "seeds/$t" -- -runs="$RUNS" -rss_limit_mb=2048 > "/tmp/authgate-fuzz-$t.log" 2>&1; then
    result="0 crashes"
  else
    result="CRASH (see /tmp/authgate-fuzz-$t.log and fuzz/artifacts/$t)"
  fi
  secs=$(( $(date +%s) - start ))
  done_line=$(grep -E "^Done [0-9]+ runs" "/tmp/authgate-fuzz-$t.log" || echo "no Done line")
  cov=$(grep -oE "cov: [0-9]+" "/tmp/authgate-fuzz-$t.log" | tail -1 || true)
  echo "$t: $done_line; ${secs} s wall; $cov; $result"
done
