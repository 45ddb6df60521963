#!/usr/bin/env bash
# Mail delivery benchmark (release build): queue N notice mails with `hagaki notify`, send
# them to a loopback SMTP server (examples/smtp_sink.rs, the server the tests use), then the
# same with N confirmation mails (a token minted per mail) and N/50 temporary-password mails
# (an argon2id hash per mail). Prints messages per second for each.
#
#   scripts/bench-mail.sh [N]      # N defaults to 10000; needs the sqlite3 command-line tool
#   WORKERS=1 scripts/bench-mail.sh # `mail send --workers` (default 4)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
WORKERS=${WORKERS:-4}
command -v sqlite3 >/dev/null || { echo "bench-mail: needs the sqlite3 command-line tool" >&2; exit 1; }
cargo build --release --quiet --bin hagaki --example smtp_sink
BIN=$PWD/target/release/hagaki
SINK=$PWD/target/release/examples/smtp_sink
work=$(mktemp -d)
sink_pid=
cleanup() { [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export HAGAKI_DB=$work/bench.db HAGAKI_NOW=2026-11-18T10:00:00+09:00 HAGAKI_ACTOR=bench
"$BIN" --quiet init --insurer-number 06130090 --insurer-name ひまわり健康保険組合 \
  --portal-url https://portal.example.jp/ --mail-from portal@example.jp >/dev/null

# N registered members with confirmed addresses who want notice mail.
sqlite3 "$HAGAKI_DB" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
  SELECT i, 'B', i, '00', '加入者 ' || i, '1980-01-01', 't', 't' FROM n;
INSERT INTO accounts (member_id, user_id, password_hash, email, email_confirmed_at, notice_mail, registered_at)
  SELECT id, 'user' || id, 'x', 'm' || id || '@example.jp', 't', 1, 't' FROM members;
SQL

# send LABEL COUNT: starts a sink expecting COUNT messages, runs `mail send`, reports.
send() {
  local label=$1 count=$2
  rm -f "$work/port"
  "$SINK" "$work/port" "$count" >"$work/sink.out" &
  sink_pid=$!
  while [[ ! -s $work/port ]]; do sleep 0.05; done
  local start=$EPOCHREALTIME
  HAGAKI_SMTP_URL=smtp://127.0.0.1:$(cat "$work/port") "$BIN" --quiet --format json mail send --workers "$WORKERS" >"$work/summary.json"
  local end=$EPOCHREALTIME
  wait "$sink_pid"; sink_pid=
  local sent received
  sent=$(grep -m1 -o '"sent": [0-9]*' "$work/summary.json" | grep -o '[0-9]*$')
  received=$(cat "$work/sink.out")
  awk -v l="$label" -v n="$sent" -v r="$received" -v s="$start" -v e="$end" \
    'BEGIN { printf "%-28s sent %6d  received %6d  %7.2f s  %8.0f messages/s\n", l, n, r, e - s, n / (e - s) }'
}

echo "workers: $WORKERS"
printf 'body line\n' >"$work/body.txt"
start=$EPOCHREALTIME
"$BIN" --quiet --format json notify --subject 'お知らせ' --body-file "$work/body.txt" >/dev/null
end=$EPOCHREALTIME
awk -v n="$N" -v s="$start" -v e="$end" 'BEGIN { printf "%-28s queued %6d  %7.2f s\n", "notify", n, e - s }'
send "notice mail" "$N"

sqlite3 "$HAGAKI_DB" "INSERT INTO outbox (kind, member_id, to_addr, state, next_attempt_at, created_at)
  SELECT 'confirm_email', member_id, email, 'queued', '2026-11-18T01:00:00Z', '2026-11-18T01:00:00Z' FROM accounts"
send "confirmation (token)" "$N"

T=$((N / 50))
sqlite3 "$HAGAKI_DB" "INSERT INTO outbox (kind, member_id, to_addr, state, next_attempt_at, created_at)
  SELECT 'temporary_password', member_id, email, 'queued', '2026-11-18T01:00:00Z', '2026-11-18T01:00:00Z'
  FROM accounts LIMIT $T"
send "temporary password (argon2)" "$T"
