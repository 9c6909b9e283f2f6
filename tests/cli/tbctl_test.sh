#!/usr/bin/env bash
# tbctl end to end: starts timebankd, drives every tbctl command a person would use,
# and checks outputs and exit codes. Usage: tbctl_test.sh TIMEBANKD TBCTL
set -euo pipefail
TIMEBANKD="$1"
TBCTL="$2"
dir=$(mktemp -d /tmp/tbctl-test-XXXXXX)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$TIMEBANKD" --data_dir="$dir/data" --listen=127.0.0.1:0 --metrics_listen= > "$dir/out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$dir/out" 2>/dev/null && break; sleep 0.1; done
export TIMEBANK_SERVER=$(sed -n 's/^timebankd listening on \([^ ]*\).*/\1/p' "$dir/out")
[ -n "$TIMEBANK_SERVER" ] || { echo "timebankd did not start"; cat "$dir/out"; exit 1; }
fails=0
check() {  # check NAME EXPECTED_EXIT PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: exit $rc (want $want), output:"; echo "$out" | sed 's/^/    /'
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
T="$TBCTL"
check help 0 "account create" -- "$T" --help
# Abseil prints --help for the servers and exits 1.
check timebankd-help 1 "--data_dir" -- "$TIMEBANKD" --help
check create-alice 0 "created account alice" -- "$T" account create alice --community=1 --min=-10h
check create-bob 0 "created account bob" -- "$T" account create bob --community=1 --min=-10h
check create-again 0 "already exists" -- "$T" account create bob --community=1 --min=-10h
check create-gbp 0 "created" -- "$T" account create book --community=1 --unit=GBP --owner=expense-book
check bad-unit 1 "UNIT_INVALID" -- "$T" account create x --community=1 --unit=XYZ
check transfer 0 "transfer g1 recorded" -- "$T" transfer 1h30m --provider=bob --receiver=alice --memo="gardening" --id=g1
check retry 0 "already recorded" -- "$T" transfer 1h30m --provider=bob --receiver=alice --memo="gardening" --id=g1
check reuse-id 1 "already used for a different transfer" -- "$T" transfer 2h --provider=bob --receiver=alice --id=g1
check bad-amount 1 "not a duration" -- "$T" transfer 1x --provider=bob --receiver=alice
check limit 1 "below their balance limit" -- "$T" transfer 9h --provider=bob --receiver=alice
check no-money-for-time 1 "time and money never mix" -- "$T" transfer 1h --provider=book --receiver=alice
check pending 0 "recorded" -- "$T" transfer 30m --provider=alice --receiver=bob --pending --timeout=48h --id=p1
check post 0 "p1-post recorded" -- "$T" transfer post p1
check reverse 0 "g1-reversal recorded" -- "$T" transfer reverse g1 --reason="logged twice"
check show 0 "alice .* open .* 30m" -- "$T" account show alice
check show-json 0 '"balance": "30"' -- "$T" account show alice --json
check list 0 "bob" -- "$T" account list --community=1
check statement 0 "g1-reversal.*30m.*logged twice" -- "$T" statement alice
check statement-balance 0 "CHANGE +BALANCE" -- "$T" statement alice
check statement-csv 0 '^RECORDED,ID,KIND' -- "$T" statement alice --csv
check freeze 0 "now frozen" -- "$T" account freeze bob --reason="on holiday"
check frozen 1 "not open" -- "$T" transfer 1h --provider=bob --receiver=alice
check verify 0 "journal verified" -- "$T" journal verify
check ping 0 "pong" -- "$T" ping
check info 0 "services: ledger" -- "$T" info
check backup 0 "backed up to" -- "$T" backup "$dir/backup"
check unknown 2 "unknown command" -- "$T" frobnicate
check unreachable 1 "cannot reach timebankd" -- "$T" --server=127.0.0.1:1 ping
timeout 3 "$T" journal watch --from=1 > "$dir/watch" 2>&1 || true
check watch 0 "transfer g1 " -- cat "$dir/watch"
# SIGTERM stops cleanly (exit 0), and everything is there after a restart.
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
if [ "$rc" = 0 ] && grep -q "stopped cleanly" "$dir/out"; then echo "ok   sigterm"; else
  echo "FAIL sigterm: exit $rc"; cat "$dir/out"; fails=$((fails + 1)); fi
"$TIMEBANKD" --data_dir="$dir/data" --listen=127.0.0.1:0 --metrics_listen= > "$dir/out2" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$dir/out2" 2>/dev/null && break; sleep 0.1; done
export TIMEBANK_SERVER=$(sed -n 's/^timebankd listening on \([^ ]*\).*/\1/p' "$dir/out2")
check restarted 0 "alice .* open .* 30m" -- "$T" account show alice
check restarted-verify 0 "journal verified" -- "$T" journal verify
if [ "$fails" -ne 0 ]; then
  echo "$fails tbctl checks failed"
  exit 1
fi
echo "all tbctl checks passed"
