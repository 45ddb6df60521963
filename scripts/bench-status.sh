#!/usr/bin/env bash
# Benchmark of `hagaki status` (the registration funnel) on a generated database of
# 1,000,000 households (README, Performance, "Support desk status").
#
#   scripts/bench-status.sh [HOUSEHOLDS] [RUNS]
#
# Builds the release binary and examples/bench_status_db.rs, generates the database once
# into target/bench-status/ (reused by later runs), then times RUNS runs of each command
# with the wall clock (date +%s%N) and prints min / median / max in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-1000000}
runs=${2:-7}
cargo build --release --quiet --bin hagaki --example bench_status_db
hagaki=target/release/hagaki
dir=target/bench-status
db="$dir/households-$households.db"
mkdir -p "$dir"
if [ ! -e "$db" ]; then
  target/release/examples/bench_status_db "$db.tmp" "$households"
  mv "$db.tmp" "$db"
fi
export HAGAKI_DB="$db" HAGAKI_NOW="2026-11-18T10:00:00+09:00"

time_it() { # label, then the command
  local label=$1; shift
  "$@" > /dev/null # warm the OS page cache, as on a database in daily use
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '%-42s min %5d ms  median %5d ms  max %5d ms  (%d runs)\n' "$label" \
    "$(head -1 <<<"$sorted")" "$(sed -n "$(( (runs + 1) / 2 ))p" <<<"$sorted")" \
    "$(tail -1 <<<"$sorted")" "$runs"
}

echo "database: $db ($(du -h "$db" | cut -f1)), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
time_it "status (overall + 13 batches, JSON)" "$hagaki" --format json status
time_it "status (table)" "$hagaki" status
time_it "status --batch 13" "$hagaki" --format json status --batch 13
time_it "status MEMBER (by email)" "$hagaki" --format json status u123467@example.jp
for _ in 1 2 3; do target/release/examples/bench_status_db --baseline "$db"; done
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "status: %e s wall, %U s user, %S s sys, %M KiB max RSS" \
    "$hagaki" --format json status > /dev/null
fi
