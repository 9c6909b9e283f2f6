#!/usr/bin/env bash
# A week of a Welsh time bank with tbctl alone, as its coordinator and its finance
# officers live it (issue 14, "Must show"). Each table is checked for what a person
# needs to read in it: people by name and member number, never "member 15"; days as
# they happened, in the community's timezone; money as money (£3.20, not 320).
# Usage: tbctl_week_test.sh TIMEBANKD TBCTL
set -euo pipefail
TIMEBANKD="$1"
TBCTL="$2"
dir=$(mktemp -d /tmp/tbctl-week-XXXXXX)
# shellcheck source=tbctl_script_lib.sh
source "$(dirname "$0")/tbctl_script_lib.sh"
never() {  # never NAME PATTERN: the last output must not hold PATTERN
  if grep -qE -- "$2" <<<"$last"; then
    echo "FAIL $1: '$2' in:"; echo "$last" | sed 's/^/    /'; fails=$((fails + 1))
  else
    echo "ok   $1"
  fi
}
T="$TBCTL"
as() { TIMEBANK_PASSWORD="$2" "$T" login "$1" >/dev/null || { echo "FAIL login $1"; fails=$((fails + 1)); }; }
id_in() { sed -n 's/^added member \([0-9]*\) .*/\1/p' <<<"$1"; }
# Days in the community's timezone (Europe/London), typed as people type them.
last_week=$(TZ=Europe/London date -d "-6 days" +%F)
last_week_uk=$(TZ=Europe/London date -d "-6 days" +%d/%m/%Y)
two_days_ago=$(TZ=Europe/London date -d "-2 days" +%F)
two_days_ago_uk=$(TZ=Europe/London date -d "-2 days" +"%-d %b %Y")

# ---- Monday: the operator hands Banc Amser Aberteifi to its first admin -------------
setup=$(sed -n 's/.*setup --code=\([^ ]*\).*/\1/p' "$dir/out")
check setup 0 "created" -- env TIMEBANK_PASSWORD=operator-password "$T" setup --code="$setup" --username=operator
check community 0 "Its first admin" -- "$T" community create "Banc Amser Aberteifi" --currency=GBP --timezone=Europe/London
code=$(sed -n 's/.* code: \([^ ]*\)$/\1/p' <<<"$last" | head -1)
"$T" logout >/dev/null
check admin-signup 0 "You are an admin" -- env TIMEBANK_PASSWORD=catrin-password "$T" signup "Catrin Morgan" --community=1 --code="$code" --username=catrin
check org 0 "Carers Cardigan" -- "$T" org create "Carers Cardigan" --org_kind=charity
check add-sian 0 "added member" -- env TIMEBANK_PASSWORD=sian-password-1 "$T" member add "Siân Evans" --username=sian --orgs=1
check add-gareth 0 "added member" -- env TIMEBANK_PASSWORD=gareth-password "$T" member add "Gareth Jones" --username=gareth
check add-nia 0 "added member" -- env TIMEBANK_PASSWORD=nia-password-1 "$T" member add "Nia Price" --username=nia
check add-bilal 0 "added member" -- env TIMEBANK_PASSWORD=bilal-password "$T" member add "Bilal Hussain" --username=bilal --orgs=1
bilal=$(id_in "$last")
check add-megan 0 "added member" -- env TIMEBANK_PASSWORD=megan-password "$T" member add "Megan Davies" --username=megan --orgs=1
check add-megan-twin 0 "Note: another member is also called Megan Davies" -- "$T" member add "Megan Davies"
check grant-sian 0 "coordinator" -- "$T" role grant sian coordinator --org=1 --reason="runs the carers' lunch club"
check grant-gareth 0 "finance" -- "$T" role grant gareth finance --reason="treasurer"
check grant-nia 0 "finance" -- "$T" role grant nia finance --reason="second signatory"
check policy 0 "saved" -- "$T" expenses policy set --max_claim=250.00 --max_month=400.00 --second_above=100.00 --receipt_above=20.00 --bacs_sun=123456 --bacs_sort_code=20-00-00 --bacs_account=87654321 --bacs_name="BANC AMSER"

# ---- The coordinator's week (Siân) ----------------------------------------------------
as sian sian-password-1
check lunch-club-ambiguous 1 "'Megan Davies' matches 2 people" -- "$T" contribution log 2h --org=1 --members="bilal,Megan Davies" --what="lunch club" --when="$last_week_uk" --coproduction=co-delivery
megan=$("$T" member list megan --json | sed -n 's/.*"id": "\([0-9]*\)".*/\1/p' | head -1)
check lunch-club-by-number 0 "logged 2 contribution" -- "$T" contribution log 2h --org=1 --members="bilal,$megan" --what="lunch club" --when="$last_week_uk" --coproduction=co-delivery
check activity-names 0 "$last_week .*Bilal Hussain \(M[0-9]+\) +org 1|$last_week .*Bilal Hussain \(M[0-9]+\) +Carers Cardigan" -- "$T" activity list --org=1
never activity-no-numbers "member [0-9]"
check balances 0 "Bilal Hussain" -- "$T" balances --org=1

# Bilal helped Megan with her shopping on a day two days ago; she says it was less.
as bilal bilal-password
# Megan has not answered yet and is not in the directory: Bilal sees her number only.
check exchange 0 "Bilal Hussain \(M[0-9]+\) +M[0-9]+ +1h30m +shopping" -- "$T" exchange record 1h30m --receiver="$megan" --what="shopping" --when="$two_days_ago_uk"
xid=$(sed -n 's/^ *\([0-9][0-9]*\) .*/\1/p' <<<"$last" | head -1)
as megan megan-password
check todo-member 0 "unanswered exchange $xid \(1h30m\)" -- "$T" todo
check dispute 0 "disputed" -- "$T" exchange dispute "$xid" --reason="it was an hour, not an hour and a half"
as sian sian-password-1
check todo-dispute 0 "resolve dispute $xid \(1h30m\) +Bilal Hussain \(M[0-9]+\) -> Megan Davies \(M[0-9]+\)" -- "$T" todo
check settle 0 "1h \(recorded 1h30m\)" -- "$T" exchange settle "$xid" 1h --reason="agreed an hour with both of them"
for _ in $(seq 1 50); do "$T" activity show "$xid" | grep -q queued || break; sleep 0.1; done

# What each member reads on their statement: the day it happened, who with, by name.
as bilal bilal-password
check statement-bilal 0 "$two_days_ago +[0-9-]+ [0-9:]+ +helped Megan Davies \(M[0-9]+\): shopping +1h" -- "$T" statement "c1.m$bilal"
check statement-bilal-lunch 0 "$last_week +[0-9-]+ [0-9:]+ +volunteered for Carers Cardigan: lunch club +co-delivery +2h" -- "$T" statement "c1.m$bilal"
never statement-bilal-names "member [0-9]"
check statement-since 0 "helped Megan Davies" -- "$T" statement "c1.m$bilal" --since="$two_days_ago_uk"
never statement-since-filters "lunch club"
check statement-csv 0 "^$two_days_ago,[^,]*,exchange,helped Megan Davies \(M[0-9]+\): shopping,,1h,[^,]*,posted,c1.act.$xid,60" -- "$T" statement "c1.m$bilal" --csv

# ---- The finance officers' week (Gareth and Nia) ------------------------------------
check bank 0 "BILAL HUSSAIN +20-30-40 +12345678" -- "$T" bank set --account_name="Bilal Hussain" --sort_code=203040 --account_number=12345678
check bank-bad 1 "account_number: .*has 7 digits" -- "$T" bank set --account_name="Bilal Hussain" --sort_code=203040 --account_number=1234567
check claim-taxi 0 "saved as a draft" -- "$T" claim create "Taxi" "travel,$two_days_ago_uk,£45.00,taxi to the hospital"
taxi=$("$T" claim list --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check claim-no-receipt 1 "£45.00 is above the £20.00 this community pays without a receipt" -- "$T" claim submit "$taxi"
check claim 0 "saved as a draft" -- "$T" claim create "Bus fares" "travel,$two_days_ago_uk,£3.20,bus to the lunch club" "travel,$last_week_uk,320p,bus back"
claim_b=$("$T" claim list --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check claim-submit 0 "£6.40|6.40 GBP" -- "$T" claim submit "$claim_b"
as megan megan-password
check claim-megan 0 "saved as a draft" -- "$T" claim create "Craft materials" "materials,$two_days_ago_uk,4.50,wool for the knitting group"
claim_m=$("$T" claim list --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check claim-megan-submit 0 "submitted" -- "$T" claim submit "$claim_m"
as gareth gareth-password
check queue 0 "Bilal Hussain \(M[0-9]+\) +Bus fares +6.40 GBP" -- "$T" finance queue
check queue-megan 0 "Megan Davies \(M[0-9]+\) +Craft materials +4.50 GBP" -- "$T" finance queue
never queue-names "member [0-9]"
check approve-b 0 "approved" -- "$T" finance approve "$claim_b"
check approve-m 0 "approved" -- "$T" finance approve "$claim_m"
for _ in $(seq 1 50); do "$T" claim show "$claim_m" | grep -q queued || break; sleep 0.1; done
check history 0 "Gareth Jones \(M[0-9]+\) +submitted +approved" -- "$T" claim show "$claim_b"
check bank-masked 0 "Bilal Hussain \(M[0-9]+\) +BILAL HUSSAIN +\*\*-\*\*-40 +\*\*\*\*5678" -- "$T" finance bank bilal
check other-means 0 "Megan Davies|$claim_m" -- "$T" finance other-means
check batch 0 "10.90 GBP +open" -- "$T" finance batch create
check bacs 0 "BACS Standard 18, 1 payee, 6.40 GBP" -- "$T" finance batch export 1 --format=bacs --out="$dir/week.bacs"
check bacs-credit 0 "^203040123456780992000008765432100000000640" -- bash -c "sed -n 5p '$dir/week.bacs' | sed 's/^\(.\{31\}\)    /\1/'"
check bacs-other-means 0 "other means" -- "$T" finance batch export 1 --out="$dir/week.csv"
check csv-money 0 "6.40" -- cat "$dir/week.csv"
check exports-shown 0 "Gareth Jones \(M[0-9]+\) +bacs \(processing [0-9-]+\) +1 payee, 6.40 GBP" -- "$T" finance batch show 1
check report-owed 0 "Bilal Hussain \(M[0-9]+\) +1 +6.40" -- "$T" finance report

if [ "$fails" -ne 0 ]; then
  echo "$fails week checks failed"
  exit 1
fi
echo "all week checks passed"
