#!/usr/bin/env bash
# Fault test: the ledger runs in its own timebankd, the directory and activity services
# in another. The ledger is killed (-9) while contributions are logged and exchanges
# confirmed, then restarted: every activity must end up posted exactly once.
# Usage: ledger_outage_test.sh TIMEBANKD TBCTL
set -eu  # no pipefail: `tbctl ... | grep -q` may end tbctl early by design
TIMEBANKD="$1"
TBCTL="$2"
dir=$(mktemp -d /tmp/tb-outage-XXXXXX)
lpid=""; apid=""
trap 'kill $lpid $apid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
export XDG_CONFIG_HOME="$dir/config"
unset TIMEBANK_TOKEN TIMEBANK_PASSWORD
"$TIMEBANKD" --services=ledger --data_dir="$dir/ledger" --keyring="$dir/keyring" --listen=127.0.0.1:0 \
  --metrics_listen= > "$dir/ledger.out" 2>&1 &
lpid=$!
wait_listen() { for _ in $(seq 1 100); do grep -q "listening on" "$1" 2>/dev/null && break; sleep 0.1; done
  sed -n 's/^timebankd listening on \([^ ]*\).*/\1/p' "$1"; }
ledger=$(wait_listen "$dir/ledger.out")
TIMEBANK_ADMIN_PASSWORD=operator-password "$TIMEBANKD" --services=directory,activity --data_dir="$dir/app" \
  --keyring="$dir/keyring" --ledger_address="$ledger" --admin_username=operator --listen=127.0.0.1:0 \
  --metrics_listen= > "$dir/app.out" 2>&1 &
apid=$!
export TIMEBANK_SERVER=$(wait_listen "$dir/app.out")
T="$TBCTL"
L() { "$TBCTL" --server="$ledger" --service_keyring="$dir/keyring" "$@"; }
fail() { echo "FAIL: $*"; cat "$dir/app.out"; exit 1; }

TIMEBANK_PASSWORD=operator-password $T login operator >/dev/null
$T community create Riverside >/dev/null
admin=$(TIMEBANK_PASSWORD=admin-password $T member add Admin --community=1 --username=admin | sed -n 's/^added member \([0-9]*\) .*/\1/p')
$T role grant "$admin" admin --community=1 >/dev/null
TIMEBANK_PASSWORD=admin-password $T login admin >/dev/null
$T org create Carers >/dev/null
members=""
for i in $(seq 1 20); do
  id=$($T member add "Member $i" | sed -n 's/^added member \([0-9]*\) .*/\1/p')
  members="$members${members:+,}$id"
done
L account show c1.pool >/dev/null || fail "the directory did not open the accounts in the ledger"

kill -9 "$lpid"; wait "$lpid" 2>/dev/null || true
# The ledger is down: the activity service still records, and queues the postings.
for batch in 1 2 3; do
  $T contribution log 1h --org=1 --members="$members" --what="session $batch" --request_id="s$batch" >/dev/null \
    || fail "logging while the ledger is down"
done
$T contribution log 1h --org=1 --members="$members" --what="session 3" --request_id="s3" >/dev/null  # a retry
$T activity list --org=1 | grep -q queued || fail "nothing is queued while the ledger is down"
sleep 2  # the dispatcher retries and backs off meanwhile

"$TIMEBANKD" --services=ledger --data_dir="$dir/ledger" --keyring="$dir/keyring" --listen="$ledger" \
  --metrics_listen= > "$dir/ledger2.out" 2>&1 &
lpid=$!
wait_listen "$dir/ledger2.out" >/dev/null
for _ in $(seq 1 100); do $T activity list --org=1 | grep -q queued || break; sleep 0.1; done
$T activity list --org=1 | grep -q queued && fail "activities still queued after the ledger came back"
posted=$($T activity list --org=1 | grep -c " posted ")
[ "$posted" = 60 ] || fail "expected 60 posted contributions, got $posted"
for id in ${members//,/ }; do
  L statement "c1.m$id" | grep -q "balance 3h" || fail "member $id is not credited exactly 3h"
done
L account show c1.o1 | grep -q -- "-60h" || fail "the organisation is not debited exactly 60h"
L journal verify | grep -q "journal verified" || fail "the journal does not verify"
echo "ledger outage: 60 contributions queued while the ledger was down, each posted exactly once"
