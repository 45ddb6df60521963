#!/usr/bin/env bash
# Benchmark of `hagaki issue` (README, Performance, "Postcard batches").
# In one run: issue a batch of 1,000 and of 10,000 (peak RSS of each), and time plain argon2id
# hashing of 10,000 passwords on every core with the same parameters (examples/hash_bench.rs).
# Target: issue(10,000) <= 1.10 x plain hashing; peak RSS not growing with the batch size.
# Needs sqlite3 (to seed the roster) and GNU time (/usr/bin/time -v).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin hagaki --example hash_bench
hagaki=$PWD/target/release/hagaki
hash_bench=$PWD/target/release/examples/hash_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# BENCH_SMALL / BENCH_LARGE shrink the run for a quick check of the script itself.
small=${BENCH_SMALL:-1000} large=${BENCH_LARGE:-10000}
export HAGAKI_NOW=2026-11-18T10:00:00+09:00 HAGAKI_ACTOR=bench

# A site with N insured persons (and their accounts), seeded by SQL; postal codes scattered.
seed() {
  local db=$1 n=$2
  HAGAKI_DB=$db "$hagaki" --quiet init --insurer-number 06130090 \
    --insurer-name "ひまわり健康保険組合" --portal-url "https://portal.himawari-kenpo.example.jp/" >/dev/null
  sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO members (symbol, number, branch, name, birth_date, postal_code, address1, address2,
                     created_at, updated_at)
SELECT '9001', i, '00', '山田 太郎', '1980-01-01', printf('%07d', (i * 7919) % 10000000),
       '東京都千代田区丸の内' || (i % 9 + 1) || '-' || (i % 20 + 1), 'サンハイツ' || (i % 50) || '号室',
       '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM n;
INSERT INTO accounts (member_id) SELECT id FROM members;
SQL
}

# CPU seconds (user + sys) from a GNU time -v report: unlike wall time, not inflated when
# other work shares the cores.
cpu_of() {
  awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$1"
}

# Runs `hagaki issue` under GNU time; prints "seconds peak_rss_kib cpu_seconds".
timed_issue() {
  local db=$1
  HAGAKI_DB=$db /usr/bin/time -v -o "$work/time.txt" "$hagaki" --quiet issue --out "$db.csv" >/dev/null
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  echo "$wall $rss $(cpu_of "$work/time.txt")"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
seed "$work/small.db" "$small"
seed "$work/large.db" "$large"
read -r small_s small_rss small_cpu < <(timed_issue "$work/small.db")
read -r large_s large_rss large_cpu < <(timed_issue "$work/large.db")
/usr/bin/time -v -o "$work/hash-time.txt" "$hash_bench" "$large" 19456 2 1 >"$work/hash.txt"
hash_s=$(cat "$work/hash.txt")
hash_cpu=$(cpu_of "$work/hash-time.txt")
hash_rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/hash-time.txt")
rows=$(($(wc -l <"$work/large.db.csv") - 1))

echo "cores: $(nproc); argon2id m=19456 KiB t=2 p=1"
echo "load average before: $load_before"
echo "issue $small: ${small_s} s wall, ${small_cpu} s CPU, peak RSS ${small_rss} KiB"
echo "issue $large: ${large_s} s wall, ${large_cpu} s CPU, peak RSS ${large_rss} KiB (${rows} rows written)"
echo "plain hashing $large: ${hash_s} s wall, ${hash_cpu} s CPU, peak RSS ${hash_rss} KiB"
awk -v i="$large_s" -v h="$hash_s" -v ic="$large_cpu" -v hc="$hash_cpu" \
  'BEGIN { printf "issue / plain hashing: %.3f wall, %.3f CPU (target <= 1.10)\n", i / h, ic / hc }'
awk -v s="$small_rss" -v l="$large_rss" -v a="$small" -v b="$large" \
  'BEGIN { printf "peak RSS %d / %d: %.3f\n", b, a, l / s }'
