#!/usr/bin/env bash
# Roster import benchmark (README "Performance" / "Roster import"): generates a roster of
# ROWS rows (default 1,000,000; households with dependents, Japanese names, UTF-8), then, in
# the same run and on the same file, times
#   1. `hagaki import` into a fresh database (release build), with its peak RSS;
#   2. `hagaki import` of the same file again (every row unchanged);
#   3. sqlite3's `.import --csv` into a bare table (the baseline).
# Target: (1) at most 2x (3), peak RSS under 100 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}

if ! command -v sqlite3 >/dev/null; then apt-get install -y sqlite3 >/dev/null; fi
if [ ! -x /usr/bin/time ]; then apt-get install -y time >/dev/null; fi
cargo build --release --quiet
hagaki=$PWD/target/release/hagaki

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/roster.csv" "$rows" <<'PY'
import random, sys
path, total = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
fam = [("山田","ヤマダ"),("佐藤","サトウ"),("鈴木","スズキ"),("髙橋","タカハシ"),("田中","タナカ"),
       ("山﨑","ヤマザキ"),("渡辺","ワタナベ"),("中村","ナカムラ"),("小林","コバヤシ"),("加藤","カトウ")]
given = [("太郎","タロウ"),("花子","ハナコ"),("健一","ケンイチ"),("美咲","ミサキ"),("大翔","ヒロト"),
         ("結衣","ユイ"),("誠","マコト"),("裕子","ユウコ"),("蓮","レン"),("陽菜","ヒナ")]
towns = ["東京都千代田区丸の内","東京都新宿区西新宿","神奈川県横浜市西区みなとみらい",
         "大阪府大阪市北区梅田","愛知県名古屋市中区栄","福岡県福岡市博多区博多駅前"]
out = open(path, "w", encoding="utf-8", newline="")
out.write("記号,番号,枝番,氏名,カナ氏名,生年月日,郵便番号,住所1,住所2,資格喪失日\n")
n = written = 0
while written < total:
    n += 1
    sym, num = 1000 + n // 100000, n
    f = fam[n % 10]
    pc = f"{100 + n % 900:03d}-{n % 10000:04d}"
    addr = f"{towns[n % 6]}{n % 9 + 1}-{n % 30 + 1}-{n % 20 + 1}"
    lines = []
    for br in range(min(rnd.randint(1, 4), total - written)):
        g = given[rnd.randrange(10)]
        y, m, d = rnd.randint(1950, 2020), rnd.randint(1, 12), rnd.randint(1, 28)
        lines.append(f"{sym},{num},{br:02d},{f[0]} {g[0]},{f[1]} {g[1]},{y}/{m:02d}/{d:02d},{pc},{addr},,\n")
    out.write("".join(lines))
    written += len(lines)
out.close()
PY
size=$(du -m "$work/roster.csv" | cut -f1)
echo "roster: $rows rows, ${size} MiB (UTF-8)"

run() { # label, time file, command…
  local label=$1 tf=$2; shift 2
  /usr/bin/time -v "$@" 2>"$tf" >/dev/null || { cat "$tf"; exit 1; }
  local wall rss cpu
  wall=$(grep 'Elapsed (wall clock)' "$tf" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$tf" | awk '{print $NF}')
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$tf")
  printf '%-34s wall %8s  CPU %6s s  peak RSS %4d MiB\n' "$label" "$wall" "$cpu" $((rss / 1024))
}

export HAGAKI_DB=$work/hagaki.db
"$hagaki" --quiet init --insurer-number 06130090 --insurer-name bench \
  --portal-url https://portal.example.jp/ >/dev/null
run "hagaki import (new database)" "$work/t1" "$hagaki" --quiet import "$work/roster.csv"
run "hagaki import (same file again)" "$work/t2" "$hagaki" --quiet import "$work/roster.csv"
run "sqlite3 .import --csv (bare)" "$work/t3" sqlite3 "$work/bare.db" ".import --csv $work/roster.csv roster"
echo "members: $(sqlite3 "$HAGAKI_DB" 'SELECT count(*) FROM members'), bare rows: $(sqlite3 "$work/bare.db" 'SELECT count(*) FROM roster')"
