#!/usr/bin/env bash
# Roster import benchmark (README "Performance" / "Roster import"): generates a roster of
# ROWS rows (default 1,000,000; households with dependents, Japanese names, UTF-8), then, in
# the same run and on the same file, times
#   1. `hagaki import` into a fresh database (release build), with its peak RSS;
#   2. `hagaki import` of the same file again (every row unchanged);
#   3. sqlite3's `.import --csv` into a bare table (the baseline).
# Each is run RUNS times (default 3), interleaved; medians are reported (peak RSS: the
# largest). Target: (1) at most 2x (3), peak RSS under 100 MiB.
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

# One timed run: appends "wall_seconds cpu_seconds peak_rss_kib" to the file $1.
timed() {
  local out=$1 tf=$work/time; shift
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >/dev/null || { cat "$tf"; exit 1; }
  awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$tf" >>"$out"
}

fresh_db() {
  rm -f "$HAGAKI_DB" "$HAGAKI_DB-wal" "$HAGAKI_DB-shm" "$work/bare.db"
  "$hagaki" --quiet init --insurer-number 06130090 --insurer-name bench \
    --portal-url https://portal.example.jp/ >/dev/null
}

# The machine is shared and wall times wander by a tenth or more from run to run: each
# measurement is taken RUNS times, interleaved, and the medians are compared.
runs=${RUNS:-3}
export HAGAKI_DB=$work/hagaki.db
for i in $(seq "$runs"); do
  fresh_db
  timed "$work/new" "$hagaki" --quiet import "$work/roster.csv"
  timed "$work/again" "$hagaki" --quiet import "$work/roster.csv"
  timed "$work/bare" sqlite3 "$work/bare.db" ".import --csv $work/roster.csv roster"
done
echo "members: $(sqlite3 "$HAGAKI_DB" 'SELECT count(*) FROM members'), bare rows: $(sqlite3 "$work/bare.db" 'SELECT count(*) FROM roster')"

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
report() { # label, results file
  local wall cpu rss
  wall=$(cut -d' ' -f1 "$2" | median)
  cpu=$(cut -d' ' -f2 "$2" | median)
  rss=$(cut -d' ' -f3 "$2" | sort -n | tail -1)
  printf '%-34s wall %6.2f s  CPU %6.2f s  peak RSS %4d MiB   (walls: %s)\n' "$1" "$wall" \
    "$cpu" $((rss / 1024)) "$(cut -d' ' -f1 "$2" | paste -sd' ')"
}
echo "medians of $runs runs:"
report "hagaki import (new database)" "$work/new"
report "hagaki import (same file again)" "$work/again"
report "sqlite3 .import --csv (bare)" "$work/bare"
awk -v a="$(cut -d' ' -f1 "$work/new" | median)" -v b="$(cut -d' ' -f1 "$work/bare" | median)" \
  'BEGIN {printf "new database / sqlite3: %.2fx (target: at most 2x)\n", a / b}'
