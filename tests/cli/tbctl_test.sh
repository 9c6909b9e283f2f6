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
export XDG_CONFIG_HOME="$dir/config"
unset TIMEBANK_TOKEN TIMEBANK_PASSWORD TIMEBANK_NEW_PASSWORD
# Ledger commands below act as a trusted service (the keyring on the server's machine).
svc() { "$TBCTL" --service_keyring="$dir/data/keyring" "$@"; }
T=svc
check help 0 "account create" -- "$TBCTL" --help
check help-directory 0 "role grant" -- "$TBCTL" --help
check no-credential 1 "sign in first" -- "$TBCTL" account show c1.x.alice
# --help prints the usage and succeeds; an unknown flag is still an error.
check timebankd-help 0 "--data_dir" -- "$TIMEBANKD" --help
check timebankd-bad-flag 1 "Unknown command line flag 'nosuch'" -- "$TIMEBANKD" --nosuch
check tbctl-helpfull 0 "--service_keyring" -- "$TBCTL" --helpfull
# A flag a command does not read is an error, not silently ignored.
check flag-refused 2 "tbctl account show: --reason is not an option of this command; it takes --json, --csv" -- "$T" account show c1.x.alice --reason=x
check flag-refused-none 2 "tbctl ping: --csv is not an option of this command; it takes no flags" -- "$T" ping --csv
check flag-refused-bool 2 "--pending is not an option" -- "$T" transfer show c1.x.g1 --nopending
check create-alice 0 "created account c1.x.alice" -- "$T" account create c1.x.alice --community=1 --min=-10h
check create-bob 0 "created account c1.x.bob" -- "$T" account create c1.x.bob --community=1 --min=-10h
check create-again 0 "already exists" -- "$T" account create c1.x.bob --community=1 --min=-10h
check create-gbp 0 "created" -- "$T" account create c1.x.book --community=1 --unit=GBP --owner=expense-book
check create-other-community 1 "COMMUNITY_ID_MISMATCH" -- "$T" account create c2.x.book --community=1
check create-not-canonical 1 "ID_INVALID" -- "$T" account create c01.x.book --community=1
check bad-unit 1 "UNIT_INVALID" -- "$T" account create c1.x.odd --community=1 --unit=XYZ
check transfer 0 "transfer c1.x.g1 recorded" -- "$T" transfer 1h30m --provider=c1.x.bob --receiver=c1.x.alice --memo="gardening" --id=c1.x.g1
check retry 0 "already recorded" -- "$T" transfer 1h30m --provider=c1.x.bob --receiver=c1.x.alice --memo="gardening" --id=c1.x.g1
check reuse-id 1 "already used for a different transfer" -- "$T" transfer 2h --provider=c1.x.bob --receiver=c1.x.alice --id=c1.x.g1
check bad-amount 1 "not an amount of time; write it like 1h30m" -- "$T" transfer 1x --provider=c1.x.bob --receiver=c1.x.alice
check limit 1 "below their balance limit" -- "$T" transfer 9h --provider=c1.x.bob --receiver=c1.x.alice
check no-money-for-time 1 "time and money never mix" -- "$T" transfer 1h --provider=c1.x.book --receiver=c1.x.alice
check pending 0 "recorded" -- "$T" transfer 30m --provider=c1.x.alice --receiver=c1.x.bob --pending --timeout=48h --id=c1.x.p1
check post 0 "c1.x.p1.post recorded" -- "$T" transfer post c1.x.p1
check reverse 0 "c1.x.g1.reversal recorded" -- "$T" transfer reverse c1.x.g1 --reason="logged twice"
check show 0 "c1.x.alice .* open .* 30m" -- "$T" account show c1.x.alice
check show-json 0 '"balance": "30"' -- "$T" account show c1.x.alice --json
check list 0 "c1.x.bob" -- "$T" account list --community=1
check statement 0 "reversal of c1.x.g1: logged twice .*30m .*c1.x.g1.reversal" -- "$T" statement c1.x.alice
check statement-balance 0 "CHANGE +BALANCE" -- "$T" statement c1.x.alice
check statement-csv 0 '^HAPPENED,RECORDED,KIND,WHAT,STAR TYPE,CHANGE,BALANCE,STATE,ID,CHANGE_UNITS' -- "$T" statement c1.x.alice --csv
check statement-occurred 0 "HAPPENED +RECORDED +WHAT +STAR TYPE +CHANGE +BALANCE +STATE +ID" -- "$T" statement c1.x.alice
check freeze 0 "now frozen" -- "$T" account freeze c1.x.bob --reason="on holiday"
check frozen 1 "not open" -- "$T" transfer 1h --provider=c1.x.bob --receiver=c1.x.alice
check verify 0 "journal verified" -- "$T" journal verify
check ping 0 "pong" -- "$T" ping
check info 0 "services: ledger" -- "$T" info
check backup 0 "backed up to" -- "$T" backup "$dir/backup"
check unknown 2 "unknown command" -- "$T" frobnicate
check info-directory 0 "services: ledger, directory" -- "$T" info

# ---- Directory, sign-in and access -------------------------------------------------
U="$TBCTL"
code=$(sed -n 's/.*setup --code=\([^ ]*\).*/\1/p' "$dir/out")
check setup-bad-code 1 "setup_code: not valid" -- env TIMEBANK_PASSWORD=operator-password "$U" setup --code=wrong --username=operator
check setup 0 "operator operator created" -- env TIMEBANK_PASSWORD=operator-password "$U" setup --code="$code" --username=operator
check setup-once 1 "not valid" -- env TIMEBANK_PASSWORD=operator-password "$U" setup --code="$code" --username=operator2
perm=$(stat -c %a "$XDG_CONFIG_HOME/timebank/credentials")
if [ "$perm" = 600 ]; then echo "ok   credentials-0600"; else echo "FAIL credentials mode $perm"; fails=$((fails + 1)); fi
check whoami-operator 0 "OPERATOR" -- "$U" whoami
check community-create 0 'created community 1 "Riverside"' -- "$U" community create Riverside --member_limit=5h
check community-bad-tz 1 "community.timezone" -- "$U" community create Other --timezone=Mars/Base
check community-create2 0 "created community 2" -- "$U" community create Hillside
check operator-no-org 1 "permission denied" -- "$U" org create "Not mine" --community=1
ada=$(TIMEBANK_PASSWORD=admin-password "$U" member add "Ada Admin" --community=1 --username=ada | sed -n 's/^added member \([0-9]*\) .*/\1/p')
if [ -n "$ada" ]; then echo "ok   admin-add"; else echo "FAIL admin-add"; fails=$((fails + 1)); fi
check grant-admin 0 "roles: member admin" -- "$U" role grant "$ada" admin --community=1 --reason="first admin"
check login-wrong 1 "username or password is wrong" -- env TIMEBANK_PASSWORD=nope-nope-nope "$U" login ada
check login-unknown 1 "username or password is wrong" -- env TIMEBANK_PASSWORD=nope-nope-nope "$U" login nobody
check login-admin 0 "signed in as ada" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
check org-create 0 "time account c1.o1" -- "$U" org create "Riverside Carers"
check org-list 0 "Riverside Carers +charity" -- "$U" org list
# Updates change only what is named: the limits stay when the time zone changes.
check community-update-one 0 "Europe/Dublin, members to -5h" -- "$U" community update 1 --timezone=Europe/Dublin
check community-update-back 0 "Europe/London, members to -5h" -- "$U" community update 1 --timezone=Europe/London
check community-update-nothing 1 "say what to change" -- "$U" community update 1
check community-answer-period 0 "An exchange waits 7 days for the other member to answer; after that it is confirmed for them and posted" -- "$U" community show 1
check member-add 0 "added member .* Bob Baker" -- env TIMEBANK_PASSWORD=bob-password-1 "$U" member add "Bob Baker" --username=bob --tags=gardening,Cooking --number=B-7
check member-dup-number 1 "already used" -- "$U" member add "Bob Two" --number=B-7
check member-bad-name 1 "member.display_name" -- "$U" member add "$(printf 'a\tb')"
check member-search 0 "Bob Baker" -- "$U" member list gardening
bob0=$("$U" member list bob --json | sed -n 's/.*"id": "\([0-9]*\)".*/\1/p' | head -1)
check member-update-email 0 "updated member" -- "$U" member update "$bob0" --email=bob@example.org
check member-update-phone 0 "updated member" -- "$U" member update "$bob0" --phone="01234 567890"
check member-update-kept 0 '"email": "bob@example.org"' -- "$U" member show "$bob0" --json
check member-update-tags-kept 0 "cooking,gardening" -- "$U" member show "$bob0"
check member-search-none 0 "^id +number" -- "$U" member list zzz-nobody
bob=$("$U" member list bob --json | sed -n 's/.*"id": "\([0-9]*\)".*/\1/p' | head -1)
check grant-coordinator 0 "coordinator\(1\)" -- "$U" role grant "$bob" coordinator --org=1 --reason="runs the carers group"
check bad-role 1 "ROLE" -- "$U" role grant "$bob" wizard
check audit 0 "role.grant" -- "$U" audit
check other-community 1 "permission denied" -- "$U" member list --community=2
check admin-ledger-own 0 "c1.m$bob" -- "$U" account show "c1.m$bob"
check admin-ledger-other 1 "permission denied" -- "$U" account show c2.pool
check invite 0 "code: " -- "$U" invite create --note="for Cara"
icode=$("$U" invite create --json | sed -n 's/.*"code": "\([^"]*\)".*/\1/p')
check apikey 0 "API key 1 for organisation 1: tbk_" -- "$U" apikey create --org=1 --label="rota system"
key=$("$U" apikey create --org=1 --label=second --json | sed -n 's/.*"secret": "\([^"]*\)".*/\1/p')
check signup-bad-code 1 "invitation_code: not an invitation of community 1" -- env TIMEBANK_PASSWORD=cara-password-1 "$U" signup Cara --community=1 --username=cara --code=wrong
check signup 0 "joined as member" -- env TIMEBANK_PASSWORD=cara-password-1 "$U" signup Cara --community=1 --username=cara --code="$icode"
check signup-reuse 1 "invitation_code: already used \(each invitation works once\)" -- env TIMEBANK_PASSWORD=cara-password-1 "$U" signup Cara2 --community=1 --username=cara2 --code="$icode"
check member-whoami 0 "cara .*MEMBER\)" -- "$U" whoami
check member-no-list 1 "permission denied" -- "$U" member list
cara=$("$U" whoami --json | sed -n 's/.*"subject_id": "\([0-9]*\)".*/\1/p')
check member-own-statement 0 "Statement for c1.m$cara" -- "$U" statement "c1.m$cara"
check member-other-statement 1 "permission denied" -- "$U" statement "c1.m$bob"
check member-export 0 '"username": "cara"' -- "$U" member export "$cara"
check member-export-json 0 "^c1\.m$cara\$" -- bash -c "'$U' member export '$cara' | jq -er .time_account.account.id"
check logout 0 "signed out" -- "$U" logout
check after-logout 1 "sign in first" -- "$U" whoami
check apikey-login 0 "API key" -- "$U" login --api_key="$key"
check apikey-org 0 "Riverside Carers" -- "$U" org show 1
check apikey-no-members 1 "permission denied" -- "$U" member list
check login-admin-again 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
check apikey-revoke 0 "revoked" -- "$U" apikey revoke 2 --org=1
check apikey-revoked 1 "not valid or was revoked" -- "$U" login --api_key="$key"
check erase 0 "erased member" -- "$U" member erase "$cara" --reason="erasure request"
check erased-login 1 "username or password is wrong" -- env TIMEBANK_PASSWORD=cara-password-1 "$U" login cara
check login-admin-3 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
check erased-export 0 "Erased member" -- "$U" member export "$cara"
check erased-verify 0 "journal verified" -- "$T" journal verify
# ---- Activity: contributions and exchanges, posted to the ledger exactly once ------
dee=$(TIMEBANK_PASSWORD=dee-password-1 "$U" member add "Dee Day" --username=dee | sed -n 's/^added member \([0-9]*\) .*/\1/p')
check contribution-log 0 "logged 2 contribution" -- "$U" contribution log 2h --org=1 --members="$bob,$dee" --what="co-design workshop" --coproduction=co-design --request_id=ws-1
check contribution-retry 0 "logged 2 contribution" -- "$U" contribution log 2h --org=1 --members="$bob,$dee" --what="co-design workshop" --coproduction=co-design --request_id=ws-1
check contribution-too-long 1 "minutes: at most 24 hours" -- "$U" contribution log 25h --org=1 --members="$dee" --what="nothing"
check contribution-future 1 "occurred_at: is in the future" -- "$U" contribution log 1h --org=1 --members="$dee" --what="later" --when=2099-01-01
for _ in $(seq 1 30); do "$U" activity list --org=1 | grep -q queued || break; sleep 0.1; done
check contribution-posted 0 "contribution +confirmed +posted" -- "$U" activity list --org=1
check contribution-once 0 "balance 2h" -- "$U" statement "c1.m$dee"
check statement-for 0 "volunteered for Riverside Carers: co-design workshop +co-design +2h +2h +posted" -- "$U" statement "c1.m$dee"
check statement-for-org 0 "volunteering by Dee Day \(M[0-9]+\): co-design workshop +co-design" -- "$U" statement "c1.o1"
check statement-since-happened 0 "volunteered for Riverside Carers" -- "$U" statement "c1.m$dee" --since=today
check statement-until-happened 1 "" -- bash -c "'$U' statement 'c1.m$dee' --until=today | grep 'volunteered for'"
check login-dee 0 "signed in" -- env TIMEBANK_PASSWORD=dee-password-1 "$U" login dee
check member-no-log 1 "permission denied" -- "$U" contribution log 1h --org=1 --members="$dee" --what="self"
xid=$("$U" exchange record 1h --provider="$dee" --receiver="$bob" --what="gardening" --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check exchange-own-confirm 1 "you recorded this exchange" -- "$U" exchange confirm "$xid"
check login-bob 0 "signed in" -- env TIMEBANK_PASSWORD=bob-password-1 "$U" login bob
check exchange-confirm 0 "exchange +confirmed" -- "$U" exchange confirm "$xid"
for _ in $(seq 1 30); do "$U" activity show "$xid" | grep -q queued || break; sleep 0.1; done
check exchange-posted 0 "posted" -- "$U" activity show "$xid"
check exchange-statement 0 "help from Dee Day \(M[0-9]+\): gardening .*c1.act.$xid" -- "$U" statement "c1.m$bob"
# ---- Recognition: bob gave 2h and received 1h; the projection follows the journal --
for _ in $(seq 1 50); do "$U" me | grep -q "both given and received" && break; sleep 0.1; done
check rewards-me 0 "You have both given and received help" -- "$U" me
check rewards-me-hours 0 "Given: +2 h +Received: 1 h" -- "$U" me
check rewards-me-star 0 "co-design +2 h \\(1 activity\\)" -- "$U" me
check rewards-me-json 0 '"two_way": true' -- "$U" me --json
check rewards-no-rank 1 "" -- bash -c "\"$U\" me | grep -iE 'rank|balance'"
# Streak pauses: bob took part this week, so a pause starts next week (a week that
# already counts is never taken away); a pause shows on his card in plain words.
# (dates in the community's timezone, so the weeks are the server's)
this_day=$(TZ=Europe/London date +%F); next_week=$(TZ=Europe/London date -d "+7 days" +%F)
later=$(TZ=Europe/London date -d "+35 days" +%F)
check streak-pause-counted 1 "starts_on: there was activity in the week of" -- "$U" streak pause "$this_day" 1
check streak-pause 0 "Your streak is paused for 2 weeks, from Monday" -- "$U" streak pause "$next_week" 2
check streak-pause-retry 0 "Your streak is paused for 2 weeks" -- "$U" streak pause "$next_week" 2
check streak-pause-me 0 "Your streak will be paused from Monday .* until Sunday" -- "$U" me
check streak-pause-json 0 '"streak_pauses"' -- "$U" me --json
check streak-pause-overlap 1 "starts_on: overlaps or touches the pause of 2 weeks" -- "$U" streak pause "$next_week" 3
check streak-pause-too-long 1 "weeks: from 1 to 12 weeks, not 13" -- "$U" streak pause "$later" 13
check streak-pause-bad-date 1 "starts_on: a date like 2026-09-14" -- "$U" streak pause 14/09/2026 2
check streak-pause-far 1 "starts_on: a pause can start at most 26 weeks ahead" -- "$U" streak pause 2099-01-05 2
check streak-pause-usage 1 "usage: tbctl streak pause YYYY-MM-DD WEEKS" -- "$U" streak pause "$later"
# bob coordinates the carers group: he may pause a member's streak (dee's).
check streak-pause-coordinator 0 "Member $dee's streak is paused for 1 week" -- "$U" streak pause "$later" 1 --member="$dee"
# Thank-you notes: bob received dee's gardening ($xid) and thanks her, once.
check thank-blank 1 "text: required" -- "$U" thank "$xid" "   "
check thank-too-long 1 "text: .*280" -- "$U" thank "$xid" "$(printf 'x%.0s' $(seq 1 281))"
check thank-control 1 "text: character 6 is U\+0007" -- "$U" thank "$xid" "$(printf 'thank\ayou')"
check thank-unknown 1 "activity_id: no exchange or contribution 999999" -- "$U" thank 999999 "Thanks"
check thank-usage 1 "usage: tbctl thank ACTIVITY_ID" -- "$U" thank "$xid"
check thank 0 "Your thank-you note on activity $xid is with member $dee" -- "$U" thank "$xid" "Thank you for the gardening"
check thank-retry 0 "Your thank-you note on activity $xid" -- "$U" thank "$xid" "Thank you for the gardening"
check thank-twice 1 "activity_id: already thanked" -- "$U" thank "$xid" "Thanks again"
check thanks-written 0 "$xid .*written .*member $dee .*Thank you for the gardening" -- "$U" thanks
check thanks-json 0 '"text": "Thank you for the gardening"' -- "$U" thanks --json
check thanks-hide-no-reason 1 "reason: required" -- "$U" thanks hide "$xid"
rules_file="$(cd "$(dirname "$0")/../.." && pwd)/deploy/rewards/badge_rules.textproto"
# Badges: bob gave an hour and received one; he can hide one from others and show it.
check badges 0 "first-hour-given +First hour given .*held" -- "$U" badges
check badges-two-way 0 "two-way-street .*held" -- "$U" badges
check badge-hide 0 "Two-way street: hidden; only you see it now" -- "$U" badge hide two-way-street
check badges-hidden 0 "two-way-street .*held, hidden from others" -- "$U" badges
check badge-show 0 "shown to others again" -- "$U" badge show two-way-street
check badge-hide-unknown 1 'badge_id "connector": this member has never been awarded that badge' -- "$U" badge hide connector
check rules-show 0 "These are the default badges" -- "$U" rules show
# Recognition notices: bob's own as sentences, resumable by seq, followed; as the carers'
# coordinator he may watch the whole community's (dee's badges too).
check notices 0 "^#[0-9]+ +[0-9-]+  You earned the badge Two-way street" -- "$U" notices
check notices-first 0 "You earned the badge First hour given" -- "$U" notices
check notices-since 0 "^Nothing new.$" -- "$U" notices --since=999999
check notices-json 0 '"badge_awarded":\{"badge_id":"two-way-street"' -- "$U" notices --json
check notices-bad-since 1 "--since: the seq of the last notice seen" -- "$U" notices --since=yesterday
check notices-usage 1 "usage: tbctl notices" -- "$U" notices everything
check notices-follow 0 "You earned the badge Two-way street" -- bash -c "timeout 3 \"$U\" notices --follow; [ \$? = 124 ]"
check notices-community 0 "Member $dee earned the badge First hour given" -- "$U" notices community
check notices-member 0 "Member $dee earned the badge" -- "$U" notices --member="$dee"
check rules-set-member 1 "permission denied" -- "$U" rules set "$rules_file"
# Open Badges: a badge never awarded is named; a held one exports and verifies, and a
# credential altered by one character does not.
check badge-export-unknown 1 'badge_id: "no-such-badge" has not been awarded' -- "$U" badge export no-such-badge
check badge-export 0 "" -- "$U" badge export first-hour-given --out="$dir/badge.jwt"
check badge-verify 0 'VALID: "First hour given", awarded to .*/members/'"$bob"' by Riverside' -- "$U" badge verify "$dir/badge.jwt"
python3 - "$dir/badge.jwt" "$dir/forged.jwt" <<'PY'
import sys
h, p, s = open(sys.argv[1]).read().strip().split(".")
i = len(p) // 2
open(sys.argv[2], "w").write(".".join([h, p[:i] + ("B" if p[i] == "A" else "A") + p[i + 1:], s]))
PY
check badge-verify-forged 1 "NOT VALID" -- "$U" badge verify "$dir/forged.jwt"
echo "not.a-jwt" > "$dir/garbage.jwt"
check badge-verify-garbage 1 "NOT VALID: the file does not hold a compact JWT" -- "$U" badge verify "$dir/garbage.jwt"
elsewhere=$(printf '{"issuer":{"id":"https://elsewhere.example/issuer"}}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
echo "eyJhbGciOiJSUzI1NiJ9.$elsewhere.c2ln" > "$dir/elsewhere.jwt"
check badge-verify-elsewhere 1 "is not a community of a timebank" -- "$U" badge verify "$dir/elsewhere.jwt"
check login-ada-4 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
check rewards-summary 0 "They have both given and received help" -- "$U" summary "$bob"
check badges-of-member 0 "two-way-street .*held" -- "$U" badges "$bob"
check streak-pause-for-member 0 "Member $bob's streak is paused for 1 week" -- "$U" streak pause "$later" 1 --member="$bob"
check streak-pause-unknown-member 1 "999" -- "$U" streak pause "$later" 1 --member=999
sed 's/threshold: 10$/threshold: 0/' "$rules_file" > "$dir/bad-rules.textproto"
check rules-check-bad 1 '"hours-given-10": threshold must be > 0' -- "$U" rules check "$dir/bad-rules.textproto"
# Easier rules re-evaluate everyone at once: bob's 2 hours now meet "hours-given-10".
sed 's/threshold: 10$/threshold: 2/' "$rules_file" > "$dir/easy-rules.textproto"
check rules-check 0 "is valid: 13 badges. Nothing was changed" -- "$U" rules check "$dir/easy-rules.textproto"
check rules-set 0 "In force now: 13 badges" -- "$U" rules set "$dir/easy-rules.textproto"
check rules-show-set 0 "hours-given-10 .*hours given at least 2" -- "$U" rules show
check badges-after-rules 0 "hours-given-10 .*held" -- "$U" badges "$bob"
check rewards-dashboard 0 "hours_given" -- "$U" dashboard --weeks=4
check rewards-dashboard-words 0 "not enough weeks yet to judge \\(needs 10\\)" -- "$U" dashboard --weeks=4
check rewards-dashboard-csv 0 "START,ACTIVE,GIVERS" -- "$U" dashboard --csv --months=3
check rewards-bad-rules 1 "--rules: ihi or anhoj" -- "$U" dashboard --rules=spc
check rewards-annotate 0 "noted change [0-9]+ on $(date -u +%F): Saturday sessions start" -- "$U" dashboard annotate "$(date -u +%F)" "Saturday sessions start"
# The leaderboard is opt-in: empty until someone consents; ranked by people helped and
# weeks active, with no hours or balances; bob, who has not consented, never appears.
check rewards-leaderboard-empty 0 "Nobody has chosen to appear" -- "$U" leaderboard
check rewards-leaderboard-consent 0 "updated member" -- "$U" member update "$dee" --on_leaderboards
check rewards-leaderboard 0 "^ *$dee +Dee Day +1 +1 *\$" -- "$U" leaderboard
check rewards-leaderboard-org 0 "^ *$dee +Dee Day +1 +1 *\$" -- "$U" leaderboard --org=1
check rewards-leaderboard-json 0 '"people_helped": 1' -- "$U" leaderboard --json
check rewards-leaderboard-no-hours 1 "" -- bash -c "\"$U\" leaderboard | grep -iE 'hour|minute|balance|rank|^ *$bob '"
# An admin moves time within the community, and looks up and reverses what they made;
# ids a service derives, and other communities' ids, are out of their reach.
check admin-transfer 0 "transfer c1.x.welcome recorded" -- "$U" transfer 30m --provider="c1.m$ada" --receiver="c1.m$bob" --memo="welcome hour" --id=c1.x.welcome
check admin-transfer-show 0 "c1.x.welcome" -- "$U" transfer show c1.x.welcome
check show-not-an-id 1 "'C1.x.welcome' is not an account or transfer id" -- "$U" transfer show C1.x.welcome
check admin-transfer-reverse 0 "c1.x.welcome.reversal recorded" -- "$U" transfer reverse c1.x.welcome --reason="given twice"
check admin-transfer-new-id 0 "transfer c1.x.t[0-9]+ recorded" -- "$U" transfer 10m --provider="c1.m$ada" --receiver="c1.m$bob"
check admin-service-id 1 "only timebank's services make" -- "$U" transfer 30m --provider="c1.m$ada" --receiver="c1.m$bob" --id="c1.act.$xid"
check admin-reverse-service 1 "made by a timebank service" -- "$U" transfer reverse "c1.act.$xid" --reason="not this way"
check admin-show-other-community 1 "permission denied" -- "$U" transfer show c2.x.welcome
check admin-old-style-id 1 "permission denied" -- "$U" transfer 30m --provider="c1.m$ada" --receiver="c1.m$bob" --id=act.2.1
check partner-create 0 "created organisation 2" -- "$U" org create "Leisure Centre" --org_kind=recognition-partner
check login-dee-2 0 "signed in" -- env TIMEBANK_PASSWORD=dee-password-1 "$U" login dee
check streak-pause-me-dee 0 "Your streak will be paused from Monday" -- "$U" me
check streak-pause-not-mine 1 "permission denied" -- "$U" streak pause "$later" 1 --member="$bob"
check notices-not-coordinator 1 "permission denied" -- "$U" notices community
check notices-not-mine 1 "permission denied" -- "$U" notices --member="$bob"
check streak-resume-called-off 0 "The pause of your streak planned from Monday .* is called off" -- "$U" streak resume
check streak-resume-nothing 1 "member_id: this member's streak has no pause under way or planned" -- "$U" streak resume
# dee gave the time: she sees bob's note on her card and in her list, cannot thank
# herself, and cannot hide a note.
check thanks-me-dee 0 "Thank-you notes you received" -- "$U" me
check thanks-me-dee-note 0 "\"Thank you for the gardening\" \(from member $bob\)" -- "$U" me
check thanks-received-dee 0 "$xid .*received .*member $bob .*Thank you for the gardening" -- "$U" thanks
check thank-own 1 "activity_id: you gave the time" -- "$U" thank "$xid" "Thanks to me"
check thanks-hide-member 1 "permission denied" -- "$U" thanks hide "$xid" --reason="do not like it"
check thanks-other-member 1 "permission denied" -- "$U" thanks "$bob"
check redeem 0 "redemption +confirmed" -- "$U" redeem 1h --org=2 --what="swim session" --request_id=swim-1
check redeem-too-much 1 "not enough time credits" -- "$U" redeem 20h --org=2 --what="a year of swims"
check redeem-not-partner 1 "recognition partners" -- "$U" redeem 1h --org=1 --what="swim"
check donate-pool 0 "donation +confirmed" -- "$U" donate 30m --what="for the pool"
for _ in $(seq 1 30); do "$U" activity list | grep -q queued || break; sleep 0.1; done
check redeem-posted 0 "redemption +confirmed +posted" -- "$U" activity list
# A reservation and its posting are one line of the statement, saying what became of it.
check statement-reservation 0 "redeemed at .*: swim session .*reserved, then posted" -- "$U" statement "c1.m$dee"
check statement-reservation-once 0 "^1$" -- bash -c "'$U' statement 'c1.m$dee' | grep -c 'swim session'"
check dee-balance 0 "balance 1h30m" -- "$U" statement "c1.m$dee"
timeout 2 "$TBCTL" --service_keyring="$dir/data/keyring" activity watch --from=1 > "$dir/awatch" 2>&1 || true
check activity-watch 0 "redemption confirmed posted 1h: swim session" -- cat "$dir/awatch"
check group-session 0 "group session: 2 exchanges" -- "$U" exchange group 1h --provider="$dee" --members="$bob,$ada" --what="walking group"
check offer 0 "posted offer 1: Help with gardening" -- "$U" offer "Help with gardening" --tags=Gardening --details="weekends"
check offer-bad 1 "post.title" -- "$U" offer ""
check posts-search 0 "offer .*Help with gardening" -- "$U" posts --tag=gardening
check posts-text 0 "Help with gardening" -- "$U" posts weekends
check exchange-from-post 0 "exchange +proposed" -- "$U" exchange record 30m --provider="$dee" --receiver="$bob" --what="weeding" --post=1
check activity-list-proposed 0 "exchange +proposed .*weeding" -- "$U" activity list --state=proposed
check activity-list-proposed-only 1 "" -- bash -c "'$U' activity list --state=proposed | grep -q confirmed"
check activity-list-limit 0 "showing the newest 1; more with --limit=0" -- "$U" activity list --limit=1
# Times are shown, and days typed, where the community is (issue 14).
check activity-list-zone 0 "when \(Europe/London\)" -- "$U" activity list --limit=1
check activity-list-typed-day 0 "exchange +proposed .*weeding" -- "$U" activity list --since=yesterday --state=proposed
check activity-list-bad-day 1 "--since: .31/02/2026. is not a day \(that month has no such day\)" -- "$U" activity list --since=31/02/2026
check activity-list-bad-state 1 "--state: proposed, confirmed" -- "$U" activity list --state=maybe
check post-close 0 "post 1 closed" -- "$U" posts close 1
check posts-closed-hidden 0 "^id +kind" -- "$U" posts --tag=gardening
check exchange-closed-post 1 "post 1 is closed" -- "$U" exchange record 30m --provider="$dee" --receiver="$bob" --what="weeding" --post=1
# Needs met: the dashboard counts requests posted and answered, and what is open.
check request 0 "posted request 2: A lift to the shops" -- "$U" request "A lift to the shops"
for _ in $(seq 1 50); do "$U" dashboard --weeks=4 | grep -q "Needs met: 1 request posted" && break; sleep 0.1; done
check rewards-needs-met 0 "Needs met: 1 request posted, 0 answered; open at the end: 0 offers, 1 request$" -- "$U" dashboard --weeks=4
check rewards-needs-met-csv 0 "REQUESTS_POSTED,REQUESTS_ANSWERED,OPEN_OFFERS,OPEN_REQUESTS" -- "$U" dashboard --weeks=4 --csv
# Bulk import of volunteer hours from a spreadsheet: dry run, import, re-run.
check login-ada-5 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
# An admin hides a note: members no longer see it; coordinators see it marked.
check thanks-of-member 0 "$xid .*received .*Thank you for the gardening" -- "$U" thanks "$dee"
check thanks-hide 0 "The thank-you note on activity $xid is hidden from members \(reason: a test of hiding\)" -- "$U" thanks hide "$xid" --reason="a test of hiding"
check thanks-hide-again 1 "activity_id: this note is already hidden" -- "$U" thanks hide "$xid" --reason="again"
check thanks-hidden-marked 0 "\[hidden: a test of hiding\] Thank you for the gardening" -- "$U" thanks "$dee"
check thanks-hidden-summary 1 "" -- bash -c "\"$U\" summary $dee | grep -q 'Thank you for the gardening'"
check import-member-1 0 "added member" -- "$U" member add "Imogen Import" --number=IMP-1
# The to-do list (issue 14): ada received a share of dee's group session (Cahn's rule:
# 1h for two is 30m each); it waits for her answer, and says when it auto-confirms.
gid=$("$U" activity list --state=proposed --member="$ada" --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check todo-admin 0 "unanswered exchange $gid \(30m\) .*\(auto-confirms\) +tbctl exchange confirm\|decline\|dispute $gid" -- "$U" todo
check todo-names 0 "unanswered exchange $gid \(30m\) +[A-Z][a-z]+ [A-Z][a-z]+ \((M[0-9]+|B-7)\) -> [A-Z][a-z]+ [A-Z][a-z]+ \(" -- "$U" todo
check todo-header 0 "^what +who +since \(Europe/London\) +due +next" -- "$U" todo
check todo-unknown-arg 1 "usage: tbctl todo" -- "$U" todo everything
check group-settings 0 "the receivers share it equally" -- "$U" activity settings
check group-settings-bad 1 "--group_credit: shared or pool" -- "$U" activity settings --group_credit=each
check group-settings-pool 0 "the community pool pays it" -- "$U" activity settings --group_credit=pool
check group-settings-back 0 "the receivers share it equally" -- "$U" activity settings --group_credit=shared
check dispute-share 0 "exchange +disputed" -- "$U" exchange dispute "$gid" --reason="it was twenty minutes"
check settle-own 1 "nobody resolves a dispute they are part of" -- "$U" exchange settle "$gid" 20m --reason="agreed"
check import-member-2 0 "added member" -- "$U" member add "Ivan Import" --number=IMP-2
check login-bob-import 0 "signed in" -- env TIMEBANK_PASSWORD=bob-password-1 "$U" login bob
# bob coordinates: the dispute is on his list; he settles it for a corrected amount.
check todo-coordinator 0 "resolve dispute $gid .*tbctl exchange resolve $gid" -- "$U" todo
check settle-no-note 1 "reason: say how the dispute was resolved" -- "$U" exchange settle "$gid" 20m
check settle-too-long 1 "settled_minutes: 1..1440" -- "$U" exchange settle "$gid" 25h --reason="agreed"
check settle 0 "exchange +confirmed .* 20m .*agreed twenty minutes with both" -- "$U" exchange settle "$gid" 20m --reason="agreed twenty minutes with both"
check settle-shown 0 "exchange +confirmed .* 20m \(recorded 30m\) .*why: agreed twenty minutes with both" -- "$U" activity show "$gid"
check settle-again 1 "is not disputed" -- "$U" exchange settle "$gid" 20m --reason="again"
check todo-settled-gone 1 "" -- bash -c "'$U' todo | grep -q 'dispute $gid'"
check retry-not-refused 1 "only a refused posting is retried" -- "$U" activity retry "$gid"
yesterday=$(date -u -d yesterday +%Y-%m-%d)
uk_yesterday=$(date -u -d yesterday +%d/%m/%Y)
cat > "$dir/hours.csv" <<CSV
Member Number,Date,Hours,Organisation,Coproduction Type,Description
IMP-1,$yesterday,2,Riverside Carers,co-design,"Workshop, morning"
IMP-2,$uk_yesterday,1h30m,1,Co-Delivery,Befriending
IMP-9,$yesterday,1,1,co-design,nobody
IMP-1,2099-01-01,1,1,co-design,later
IMP-1,$yesterday,lots,1,co-design,vague
IMP-2,$yesterday,1,Leisure Centre,co-design,not bob's organisation
IMP-1,$yesterday,2,Riverside Carers,co-design,"Workshop, morning"
CSV
check import-dry-run 2 "would be imported +2" -- "$U" contribution import "$dir/hours.csv" --dry_run
check import-dry-nothing 0 "balance -4h$" -- "$T" statement "c1.o1" --limit=1
check import-dry-report 0 "no member numbered 'IMP-9'" -- cat "$dir/hours.csv.rejected.csv"
check import 2 "imported +2" -- "$U" contribution import "$dir/hours.csv" --rejected="$dir/report.csv"
check import-posted 2 "posted to the ledger +2" -- "$U" contribution import "$dir/hours.csv" --rejected="$dir/report.csv"
check import-again 2 "already imported \(skipped\) +2" -- "$U" contribution import "$dir/hours.csv" --rejected="$dir/report.csv"
check import-report-future 0 "^5,IMP-1,2099-01-01.*date: is in the future" -- cat "$dir/report.csv"
check import-report-hours 0 "^6,.*hours: 'lots'" -- cat "$dir/report.csv"
check import-report-org 0 "^7,.*not sent: .*permission denied" -- cat "$dir/report.csv"
check import-report-dup 0 "^8,.*the same as line 2" -- cat "$dir/report.csv"
check import-json 2 '"already_imported": 2' -- "$U" contribution import "$dir/hours.csv" --rejected="$dir/report.csv" --json
check import-no-header 1 "missing: .*coproduction_type" -- "$U" contribution import <(printf 'member_number,date,hours\nIMP-1,2026-01-01,1\n')
check import-no-file 1 "cannot read" -- "$U" contribution import "$dir/nope.csv"
check import-statement 0 "balance -7h30m$" -- "$T" statement "c1.o1" --limit=1
# Statements show the day it happened beside when it was recorded.
check import-statement-occurred 0 "^$yesterday,[^,]*,contribution," -- "$T" statement "c1.o1" --csv
today=$(date -u +%Y-%m-%d)
check activity-list-until 0 "Befriending" -- "$U" activity list --org=1 --until="$today"
check activity-list-until-only 1 "" -- bash -c "'$U' activity list --org=1 --until='$today' | grep -q 'co-design workshop'"
check activity-list-since 0 "co-design workshop" -- "$U" activity list --org=1 --since="$today"
check activity-list-since-only 1 "" -- bash -c "'$U' activity list --org=1 --since='$today' | grep -q Befriending"
# The report, corrected, imports as it is (its line and reason columns are ignored).
sed -e 's/,IMP-9,/,IMP-2,/' -e 's/,lots,/,1h,/' "$dir/report.csv" > "$dir/fixed.csv"
check import-fixed 2 "imported +2" -- "$U" contribution import "$dir/fixed.csv"
# Expenses: policy, a claim with mileage, two approvers, the money book in the ledger.
check login-ada-6 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
check policy-missing 1 "no expense policy yet" -- "$U" expenses policy show
check policy-bad 1 "say the limits" -- "$U" expenses policy set --mileage_rate=0.45
check policy-set 0 "expense policy of community 1 saved" -- "$U" expenses policy set --mileage_rate=0.45 --max_claim=250.00 --max_month=400.00 --window_days=90 --second_above=100.00
check policy-show 0 "second approver above +100.00 GBP" -- "$U" expenses policy show
# A change names what it changes; the two-approver rule stays unless switched off by name.
check policy-change-one 0 "saved" -- "$U" expenses policy set --max_claim=300.00
check policy-kept-second 0 "second approver above +100.00 GBP" -- "$U" expenses policy show
check policy-changed-claim 0 "most per claim +300.00 GBP" -- "$U" expenses policy show
check policy-zero-refused 1 "to switch the second approver off, say --no_second_approver" -- "$U" expenses policy set --second_above=0
check policy-contradiction 1 "contradict" -- "$U" expenses policy set --second_above=50.00 --no_second_approver
check policy-nothing 1 "say what to change" -- "$U" expenses policy set
fay=$(TIMEBANK_PASSWORD=fay-password-1 "$U" member add "Fay Finance" --username=fay | sed -n 's/^added member \([0-9]*\) .*/\1/p')
gus=$(TIMEBANK_PASSWORD=gus-password-1 "$U" member add "Gus Finance" --username=gus | sed -n 's/^added member \([0-9]*\) .*/\1/p')
check grant-fay 0 "finance" -- "$U" role grant "$fay" finance --reason="treasurer"
check grant-gus 0 "finance" -- "$U" role grant "$gus" finance --reason="deputy treasurer"
check login-dee-claim 0 "signed in" -- env TIMEBANK_PASSWORD=dee-password-1 "$U" login dee
check claim-bad-line 1 "a line is CATEGORY" -- "$U" claim create "Workshop" "travel,2026"
check claim-bad-category 1 "not a category" -- "$U" claim create "Workshop" "taxi,$yesterday,3.20,cab"
check claim-future 1 "is in the future" -- "$U" claim create "Workshop" "travel,2099-01-01,3.20,bus"
check claim-unknown-activity 1 "activity 99999 does not exist" -- "$U" claim create "Gardening" "travel,$yesterday,2.00,Bus" --activity=99999
check claim-create 0 "saved as a draft" -- "$U" claim create "Co-design workshop" "travel,$yesterday,3.20,Bus fare" "mileage,$yesterday,12.3,Drive to the venue" "care-cover,$yesterday,120.00,Sitter for my mother"
claim=$("$U" claim list --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check claim-mileage 0 "5.54 GBP +12.3 \(distance\) Drive" -- "$U" claim show "$claim"
check claim-total 0 "Co-design workshop +128.74 GBP +draft" -- "$U" claim show "$claim"
check claim-edit-keeps-lines 0 "Co-design workshop +128.74 GBP +draft" -- "$U" claim edit "$claim" --title="Co-design workshop"
printf '%%PDF-1.4\n%% sitter invoice\n' > "$dir/sitter.pdf"
printf 'MZ not a receipt' > "$dir/program.exe"
check receipt-bad-type 1 "not an image" -- "$U" claim attach "$claim" "$dir/program.exe"
check receipt-attach 0 "sitter.pdf +application/pdf" -- "$U" claim attach "$claim" "$dir/sitter.pdf"
check claim-submit 0 "128.74 GBP +submitted" -- "$U" claim submit "$claim"
check claim-list-own-state 0 "Co-design workshop +128.74 GBP +submitted" -- "$U" claim list --state=submitted
check finance-queue-member 1 "the finance queue is for finance officers and admins" -- "$U" finance queue
check claim-edit-submitted 1 "only drafts" -- "$U" claim edit "$claim" --title="changed"
check claim-dee-decide 1 "permission denied" -- "$U" finance approve "$claim"
# Bank details for repayment: checked for form, the member's own, masked for finance.
check bank-none 1 "has given no bank details \(tbctl bank set\)" -- "$U" bank show
check bank-bad-sort 1 "sort_code: '12-34-5' is not a sort code: type its 6 digits as 12-34-56, 123456 or 12 34 56" -- "$U" bank set --account_name="Dee Day" --sort_code=12-34-5 --account_number=31926819
check bank-bad-account 1 "account_number: '3192681' has 7 digits" -- "$U" bank set --account_name="Dee Day" --sort_code=12-34-56 --account_number=3192681
check bank-bad-name 1 "account_name: .* at most 18" -- "$U" bank set --account_name="Dee Day of the Riverside Carers" --sort_code=12-34-56 --account_number=31926819
check bank-nothing-written 1 "has given no bank details" -- "$U" bank show
check bank-set 0 "DEE DAY +12-34-56 +31926819" -- "$U" bank set --account_name="Dee Day" --sort_code="12 34 56" --account_number=31926819
check bank-show 0 "DEE DAY +12-34-56 +31926819" -- "$U" bank show
check bank-help 0 "bank set --account_name" -- "$U" bank --help
check login-fay 0 "signed in" -- env TIMEBANK_PASSWORD=fay-password-1 "$U" login fay
check finance-queue 0 "Co-design workshop +128.74 GBP +submitted" -- "$U" finance queue
check finance-queue-min 0 "^id" -- "$U" finance queue --min_amount=500.00
check finance-reject-no-reason 1 "reason: required" -- "$U" finance reject "$claim"
check finance-approve-1 0 "1 of 2 approvals" -- "$U" finance approve "$claim"
check finance-approve-same 1 "different finance officer" -- "$U" finance approve "$claim"
check login-gus 0 "signed in" -- env TIMEBANK_PASSWORD=gus-password-1 "$U" login gus
check finance-approve-2 0 "128.74 GBP +approved" -- "$U" finance approve "$claim"
for _ in $(seq 1 30); do "$U" claim show "$claim" | grep -q queued || break; sleep 0.1; done
check claim-posted 0 "approved +[0-9-]+ +posted" -- "$U" claim show "$claim"
check claim-history 0 "Fay [A-Za-z]+ \(M[0-9]+\) +submitted +submitted +first approval" -- "$U" claim show "$claim"
check money-book-payable 0 "balance 128.74 GBP" -- "$T" statement "c1.payable.m$dee"
check money-book-travel 0 "balance -3.20 GBP" -- "$T" statement "c1.exp.travel"
check money-book-time-apart 1 "unit" -- "$T" transfer 1h --provider="c1.payable.m$dee" --receiver="c1.m$dee"
check receipt-finance-reads 0 "wrote $dir/copy.pdf \(application/pdf" -- "$U" claim receipt "$claim" 1 --out="$dir/copy.pdf"
check receipt-same-bytes 0 "" -- cmp "$dir/sitter.pdf" "$dir/copy.pdf"
check claim-own 0 "saved as a draft" -- "$U" claim create "Printer ink" "materials,$yesterday,12.00,Ink for the flyers"
check receipt-duplicate 0 "THE SAME FILE IS ON CLAIM $claim" -- "$U" claim attach "$(("$claim" + 1))" "$dir/sitter.pdf"
own=$("$U" claim list --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
check claim-own-submit 0 "submitted" -- "$U" claim submit "$own"
check claim-own-decide 1 "nobody decides their own claim" -- "$U" finance approve "$own"
check batch-create 0 "128.74 GBP +open" -- "$U" finance batch create
check batch-export 0 "wrote $dir/batch.csv" -- "$U" finance batch export 1 --out="$dir/batch.csv"
check batch-csv 0 "^1,1,$dee,M[0-9]+,Dee Day,128.74,GBP,TB-1-1,bank transfer" -- cat "$dir/batch.csv"
check finance-bank-masked 0 "DEE DAY +\*\*-\*\*-56 +\*\*\*\*6819" -- "$U" finance bank "$dee"
check finance-bank-no-full 1 "" -- bash -c "'$U' finance bank '$dee' --json | grep -q 31926819"
check batch-bacs-no-originator 1 "Bacs originating details are not set" -- "$U" finance batch export 1 --format=bacs --out="$dir/batch.bacs"
check policy-bacs-partial 1 "go together" -- "$U" expenses policy set --bacs_sun=123456
check policy-bacs-bad 1 "policy.bacs_originator.sort_code: " -- "$U" expenses policy set --bacs_sun=123456 --bacs_sort_code=1-2-3 --bacs_account=87654321 --bacs_name="Riverside TB"
check policy-bacs 0 "saved" -- "$U" expenses policy set --bacs_sun=123456 --bacs_sort_code=20-00-00 --bacs_account=87654321 --bacs_name="Riverside TB"
check policy-bacs-show 0 "bacs originator +SUN 123456, 20-00-00 87654321, RIVERSIDE TB" -- "$U" expenses policy show
check batch-bacs 0 "wrote $dir/batch.bacs: BACS Standard 18, 1 payee, 128.74 GBP" -- "$U" finance batch export 1 --format=bacs --out="$dir/batch.bacs"
check batch-bacs-twice 1 "was already exported as a Bacs file .*pays everyone twice" -- "$U" finance batch export 1 --format=bacs --out="$dir/batch2.bacs"
check batch-bacs-again 0 "BACS Standard 18, 1 payee" -- "$U" finance batch export 1 --format=bacs --again --out="$dir/batch2.bacs"
check batch-bacs-records 0 "^9 100$" -- bash -c "tr -d '\r' < '$dir/batch.bacs' | awk '{ n++; if (length(\$0) != 100) bad++ } END { print n, (bad ? 0 : 100) }'"
check batch-bacs-credit 0 "^123456319268190992000008765432100000012874" -- bash -c "sed -n 5p '$dir/batch.bacs' | sed 's/^\(.\{31\}\)    /\1/'"
check batch-bacs-bad-format 1 "--format: 'xml' is not a format" -- "$U" finance batch export 1 --format=xml
check batch-exports-shown 0 "Gus [A-Za-z]+ \(M[0-9]+\) +bacs \(processing [0-9-]+\) +1 payee, 128.74 GBP +none" -- "$U" finance batch show 1
check other-means-none 0 "0 claims to pay by other means" -- "$U" finance other-means 1
check batch-paid-no-ref 1 "reference" -- "$U" finance batch paid 1
check batch-paid 0 "paid +BACS 2026-11" -- "$U" finance batch paid 1 --reference="BACS 2026-11"
check batch-paid-again 0 "paid +BACS 2026-11" -- "$U" finance batch paid 1 --reference="BACS 2026-11"
check batch-paid-other 1 "already paid with reference" -- "$U" finance batch paid 1 --reference="other"
for _ in $(seq 1 30); do "$U" finance batch show 1 | grep -q queued || break; sleep 0.1; done
check batch-posted 0 "paid +BACS 2026-11 +posted" -- "$U" finance batch list
check money-book-bank 0 "balance 128.74 GBP" -- "$T" statement "c1.bank"
check money-book-paid-off 0 "balance 0.00 GBP" -- "$T" statement "c1.payable.m$dee"
check claim-paid 0 "128.74 GBP +paid" -- "$U" claim show "$claim"
check finance-report 0 "care-cover +1 +120.00" -- "$U" finance report
check finance-report-csv 0 "^month,category,organisation,lines,total,total_minor" -- "$U" finance report --csv
check finance-journal 0 "wrote $dir/journal.csv: 4 journal lines" -- "$U" finance journal --out="$dir/journal.csv"
check finance-journal-payment 0 "expense-payment,c1.payable.m$dee,c1.bank,128.74,GBP" -- cat "$dir/journal.csv"
check login-fay-2 0 "signed in" -- env TIMEBANK_PASSWORD=fay-password-1 "$U" login fay
check finance-approve-own 0 "12.00 GBP +approved" -- "$U" finance approve "$own"
for _ in $(seq 1 30); do "$U" claim show "$own" | grep -q queued || break; sleep 0.1; done
# Gus gave no bank details: his approved claim is to be paid by other means.
check other-means-all 0 "^ *$own +M[0-9]+ +Gus Finance +12.00 GBP" -- "$U" finance other-means
check other-means-total 0 "^1 claim to pay by other means \(no bank details\), 12.00 GBP in all" -- "$U" finance other-means
check finance-reverse 0 "12.00 GBP +submitted" -- "$U" finance reverse "$own" --reason="approved by mistake"
for _ in $(seq 1 30); do "$U" claim show "$own" | grep -q queued || break; sleep 0.1; done
check money-book-reversed 0 "balance 0.00 GBP" -- "$T" statement "c1.payable.m$gus"
check activity-verify 0 "journal verified" -- "$T" journal verify
check policy-second-off 0 "saved" -- "$U" expenses policy set --no_second_approver
check policy-second-never 0 "second approver above +never" -- "$U" expenses policy show
check policy-limits-kept 0 "most per claim +300.00 GBP" -- "$U" expenses policy show
# A reversed activity shows posted once the ledger holds its reversal.
check login-ada-7 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
rid=$("$U" contribution log 1h --org=1 --members="$ada" --what="logged by mistake" --json | sed -n 's/^ *"id": "\([0-9]*\)".*/\1/p' | head -1)
for _ in $(seq 1 30); do "$U" activity show "$rid" | grep -q queued || break; sleep 0.1; done
check activity-reverse 0 "reversed" -- "$U" activity reverse "$rid" --reason="logged by mistake"
for _ in $(seq 1 30); do "$U" activity show "$rid" | grep -q queued || break; sleep 0.1; done
check activity-reversed-posted 0 "contribution +reversed +posted" -- "$U" activity show "$rid"
# ---- People by name (issue 14): references as people type them, names in tables ----
check member-add-namesake 0 "added member" -- env TIMEBANK_PASSWORD=bob-password-2 "$U" member add "Bob Brown" --username=bobbrown
check ref-by-number 0 "Bob Baker \(B-7\)" -- "$U" activity list --member=B-7 --limit=1
check ref-ambiguous 1 "'Bo' matches 2 people:" -- "$U" exchange record 30m --provider=dee --receiver=Bo --what="x"
check ref-ambiguous-lists 1 "B-7  Bob Baker" -- "$U" exchange record 30m --provider=dee --receiver=Bo --what="x"
check ref-nobody 1 "--receiver: nobody in this community matches 'Zed'. Type their member number" -- "$U" exchange record 30m --provider=dee --receiver=Zed --what="x"
check login-dee-names 0 "signed in" -- env TIMEBANK_PASSWORD=dee-password-1 "$U" login dee
# Bob has not answered these yet and is not in the directory: Dee sees his number only.
check ref-by-name 0 "Dee Day \(M[0-9]+\) +B-7 +30m +names" -- "$U" exchange record 30m --provider="dee day" --receiver=B-7 --what="names"
check ref-default-provider 0 "Dee Day \(M[0-9]+\) +B-7 +15m +me by default" -- "$U" exchange record 15m --receiver=bob --what="me by default"
# A member sees their partner's name, on activities and on their statement, though
# they may not look members up in the directory.
check partner-name-activity 0 "Dee Day \(M[0-9]+\) +Bob Baker \(B-7\) .*gardening" -- "$U" activity list --state=confirmed
check partner-name-statement 0 "helped Bob Baker \(B-7\): gardening" -- "$U" statement "c1.m$dee"
check member-no-lookup 1 "permission denied" -- "$U" member show B-7
# "I can help": a conversation on a post, between its poster and who answers it.
check post-no-messages 0 "no messages about post 2 yet" -- "$U" posts messages 2
check login-bob-names 0 "signed in" -- env TIMEBANK_PASSWORD=bob-password-1 "$U" login bob
check post-help 0 "sent about post 2; only you and whoever posted it read this conversation" -- "$U" posts help 2 "I can drive you on Friday"
check post-help-missing 1 "post 99 does not exist" -- "$U" posts help 99 "hello"
check login-dee-names-2 0 "signed in" -- env TIMEBANK_PASSWORD=dee-password-1 "$U" login dee
check post-messages 0 "Bob Baker \(B-7\) +Bob Baker \(B-7\) +I can drive you on Friday" -- "$U" posts messages 2
check post-reply 0 "sent about post 2" -- "$U" posts reply 2 --with=B-7 "Friday works, thank you"
check post-reply-shown 0 "Dee Day \(M[0-9]+\) +Bob Baker \(B-7\) +Friday works, thank you" -- "$U" posts messages 2 --with=bob
check post-reply-who 1 "--with: the member you are answering" -- "$U" posts reply 2 "hello"
check post-reply-not-written 1 "has not written about this post" -- "$U" posts reply 2 --with=ada "hello"
check login-ada-8 0 "signed in" -- env TIMEBANK_PASSWORD=admin-password "$U" login ada
check member-namesake 0 "Note: another member is also called Dee Day \(M[0-9]+\). If this is the same person" -- "$U" member add "Dee Day"
check member-ref-ambiguous-name 1 "'dee day' matches 2 people" -- "$U" member show "dee day"
for i in 1 2 3 4 5; do env TIMEBANK_PASSWORD=wrong-password "$U" login bob >/dev/null 2>&1 || true; done
check throttled 1 "too many failed sign-ins" -- env TIMEBANK_PASSWORD=bob-password-1 "$U" login bob
check unreachable 1 "cannot reach timebankd" -- "$T" --server=127.0.0.1:1 ping
timeout 3 "$TBCTL" --service_keyring="$dir/data/keyring" journal watch --from=1 > "$dir/watch" 2>&1 || true
check watch 0 "transfer c1.x.g1 " -- cat "$dir/watch"
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
check restarted 0 "c1.x.alice .* open .* 30m" -- "$T" account show c1.x.alice
check restarted-verify 0 "journal verified" -- "$T" journal verify
if [ "$fails" -ne 0 ]; then
  echo "$fails tbctl checks failed"
  exit 1
fi
echo "all tbctl checks passed"
