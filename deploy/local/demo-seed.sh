#!/usr/bin/env bash
# Seeds the demo community through tbctl, as a person would: the operator creates
# "Riverside Time Bank" and its admin; the admin adds organisations, a coordinator,
# a finance officer and a dozen members, and records some exchanges and volunteering.
# Every demo password is random; all are written to data/demo-logins.txt (0600).
# Usage: demo-seed.sh OPERATOR_PASSWORD   (start.sh calls it on a fresh data directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=build/clients/cli/tbctl
LOGINS=data/demo-logins.txt
export XDG_CONFIG_HOME="$PWD/data/.demo-seed"  # the seed's own login, not yours
pw() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16; }
umask 077
echo "operator $1 (runs the installation: communities and their admins)" > "$LOGINS"

TIMEBANK_PASSWORD="$1" $T login operator >/dev/null
# The operator hands the new community to its first admin with a one-time code; she
# joins with it and chooses her own password (as a person would, at a prompt).
code=$($T community create "Riverside Time Bank" --member_limit=10h --org_limit=1000h |
  sed -n 's/.* code: \([^ ]*\)$/\1/p' | head -1)
add() {  # add NAME USERNAME TAGS -> prints the member id
  local p
  p=$(pw)
  TIMEBANK_PASSWORD="$p" $T member add "$1" --community=1 --username="$2" --tags="$3" --in_directory \
    | sed -n 's/^added member \([0-9]*\) .*/\1/p'
  echo "$2 $p ($1)" >> "$LOGINS"
}
p=$(pw)
$T logout >/dev/null
admin=$(TIMEBANK_PASSWORD="$p" $T signup "Amara Okafor" --community=1 --code="$code" --username=amara |
  sed -n 's/^joined as member \([0-9]*\) .*/\1/p')
echo "amara $p (Amara Okafor)" >> "$LOGINS"
$T member update "$admin" --tags=organising --in_directory >/dev/null

$T org create "Riverside Carers Network" --org_kind=charity >/dev/null                 # org 1
$T org create "Riverside Community Health (NHS)" --org_kind=public-service >/dev/null  # org 2
$T org create "Riverside Leisure Centre" --org_kind=recognition-partner >/dev/null     # org 3
coord=$(add "Callum Reid" callum "coordination,transport")
$T role grant "$coord" coordinator --org=1 --reason="demo: runs the carers network" >/dev/null
$T role grant "$coord" coordinator --org=2 --reason="demo: patient panel lead" >/dev/null
fin=$(add "Fiona Shah" fiona "bookkeeping")
$T role grant "$fin" finance --reason="demo: treasurer" >/dev/null

declare -a m
i=0
while IFS='|' read -r name user tags; do
  m[$i]=$(add "$name" "$user" "$tags")
  i=$((i + 1))
done <<'MEMBERS'
Alice Brown|alice|gardening,shopping
Bilal Hussain|bilal|it-help,forms
Chen Wei|chen|cooking,befriending
Dara Murphy|dara|gardening,walking
Eli Cohen|eli|befriending,phone-calls
Fatima Noor|fatima|sewing,cooking
George Evans|george|diy,transport
Hana Sato|hana|it-help,languages
Isla Grant|isla|childcare,reading
Jamal Ade|jamal|music,walking
Kasia Nowak|kasia|cleaning,shopping
Luis Ortega|luis|languages,forms
MEMBERS
# Everyone volunteers with the carers network, and Chen sits on the patient panel too:
# Callum, who coordinates both, sees their balances (tbctl balances --org=1).
for i in "${!m[@]}"; do
  orgs=1
  [ "$i" = 2 ] && orgs=1,2
  $T member update "${m[$i]}" --orgs="$orgs" >/dev/null
done

# Volunteering and peer support go through the activity service, which posts each to
# the ledger exactly once.
$T contribution log 3h --org=2 --members="${m[2]}" --what="patient panel: discharge leaflet" --coproduction=co-design --request_id=demo-c1 >/dev/null
$T contribution log 2h --org=1 --members="${m[3]},${m[9]}" --what="community garden session" --coproduction=co-delivery --request_id=demo-c2 >/dev/null
as() { TIMEBANK_PASSWORD=$(awk -v u="$1" '$1==u{print $2}' "$LOGINS") $T login "$1" >/dev/null; }
exchange() {  # exchange PROVIDER_INDEX PROVIDER_USER RECEIVER_INDEX RECEIVER_USER AMOUNT WHAT
  as "$2"
  local id
  id=$($T exchange record "$5" --provider="${m[$1]}" --receiver="${m[$3]}" --what="$6" --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
  as "$4"
  $T exchange confirm "$id" >/dev/null
  last_exchange=$id
}
thank() {  # thank NOTE: the receiver of the last exchange thanks its provider (once the
  # rewards service has counted it, a moment after the confirmation)
  for _ in $(seq 1 50); do
    $T thank "$last_exchange" "$1" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  $T thank "$last_exchange" "$1" >/dev/null
}
# A month of the carers network's volunteering log, as a spreadsheet, imported by its
# coordinator (data/demo-volunteer-hours.csv; importing it again records nothing twice).
number() { $T member show "$1" --json | sed -n 's/^ *"member_number": "\(.*\)".*/\1/p'; }
CSV=data/demo-volunteer-hours.csv
echo "member_number,date,hours,organisation,coproduction_type,description" > "$CSV"
for d in 3 10 17 24; do
  day=$(date -u -d "$d days ago" +%Y-%m-%d)
  echo "$(number "${m[5]}"),$day,2,Riverside Carers Network,co-delivery,Carers cafe" >> "$CSV"
  echo "$(number "${m[10]}"),$day,1.5,Riverside Carers Network,co-delivery,Carers cafe" >> "$CSV"
done
echo "$(number "${m[11]}"),$(date -u -d '12 days ago' +%Y-%m-%d),3,Riverside Community Health (NHS),co-assessment,Service walk-through" >> "$CSV"
# Thirty weeks of Saturday garden sessions: one to three people at first (Dara never
# misses one: a streak), then, from twelve weeks ago, the sessions were advertised in the GP
# surgery and six came each week: the dashboard shows the shift after the annotated
# change. One spreadsheet, imported once.
GARDEN=data/demo-garden-sessions.csv
echo "member_number,date,hours,organisation,coproduction_type,description" > "$GARDEN"
back_to_saturday=$(( ($(date -u +%u) + 1) % 7 ))
for w in $(seq 29 -1 0); do
  day=$(date -u -d "$((back_to_saturday + 7 * w)) days ago" +%Y-%m-%d)
  who="3 9 0 4 6 2"
  if [ "$w" -ge 12 ]; then  # before the change: one to three people
    who="3"
    if [ $((w % 2)) = 0 ]; then who="$who 9"; fi
    if [ $((w % 3)) = 0 ]; then who="$who 10"; fi
  fi
  for i in $who; do
    echo "$(number "${m[$i]}"),$day,1.5,Riverside Carers Network,co-delivery,Saturday garden session" >> "$GARDEN"
  done
done
change_day=$(date -u -d "$((back_to_saturday + 7 * 11)) days ago" +%Y-%m-%d)
as callum
$T contribution import "$CSV" >/dev/null
$T contribution import "$GARDEN" >/dev/null
$T dashboard annotate "$change_day" "PDSA cycle 2: garden sessions advertised at the GP surgery" >/dev/null
exchange 0 alice 1 bilal 2h "lift to the hospital"
thank "Thank you Alice, I would not have made it to my appointment without you"
exchange 1 bilal 2 chen 1h30m "help with a benefits form"
exchange 4 eli 0 alice 1h "phone befriending"
exchange 7 hana 6 george 2h "IT help"
as fatima
$T donate 45m --what="for the community pool" --request_id=demo-d1 >/dev/null
as chen
$T redeem 1h --org=3 --what="swim session" --request_id=demo-r1 >/dev/null
# Expenses: the treasurer sets the policy; a volunteer claims her mileage (it waits in
# the finance queue: tbctl login fiona; tbctl finance queue).
as fiona
$T expenses policy set --mileage_rate=0.45 --max_claim=250.00 --max_month=500.00 \
  --window_days=90 --second_above=100.00 >/dev/null
as alice
$T claim create "Lift to the hospital" \
  "mileage,$(date -u -d '2 days ago' +%Y-%m-%d),14.2,Drive to the hospital and back" \
  "subsistence,$(date -u -d '2 days ago' +%Y-%m-%d),4.50,Coffee while waiting" >/dev/null
claim=$($T claim list --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
$T claim submit "$claim" >/dev/null
rm -rf "$XDG_CONFIG_HOME"
echo "demo community seeded: Riverside Time Bank (community 1): an admin, a coordinator of two organisations, a finance officer, 12 members, 3 organisations, 30 weeks of garden sessions with an annotated change, badges and a thank-you note; logins in $LOGINS"
