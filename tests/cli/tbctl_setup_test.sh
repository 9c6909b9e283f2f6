#!/usr/bin/env bash
# Setting up a community end to end from the operator's seat (issue 14, item 7), with
# tbctl alone and no environment variable on the server: the operator claims the
# installation with the one-time setup code, creates a community, and hands it to its
# first admin with a one-time invitation; the admin adds members, each told how they
# sign in. Then what a coordinator may see of balances (issue 14, item 6).
# Passwords come from $TIMEBANK_PASSWORD here only because a test has no terminal to
# type them at; a person is prompted. Usage: tbctl_setup_test.sh TIMEBANKD TBCTL
set -euo pipefail
TIMEBANKD="$1"
TBCTL="$2"
dir=$(mktemp -d /tmp/tbctl-setup-XXXXXX)
# shellcheck source=tbctl_script_lib.sh
source "$(dirname "$0")/tbctl_script_lib.sh"
T="$TBCTL"
as() {  # as USER PASSWORD: signs in
  TIMEBANK_PASSWORD="$2" "$T" login "$1" >/dev/null || { echo "FAIL login $1"; fails=$((fails + 1)); }
}
code_in() { sed -n 's/.* code: \([^ ]*\)$/\1/p' <<<"$1" | head -1; }
id_in() { sed -n 's/^added member \([0-9]*\) .*/\1/p' <<<"$1"; }

# ---- The operator: the installation, then a community and its first admin ----------
setup=$(sed -n 's/.*setup --code=\([^ ]*\).*/\1/p' "$dir/out")
check setup 0 "operator operator created" -- env TIMEBANK_PASSWORD=operator-password "$T" setup --code="$setup" --username=operator
check community-create 0 "Its first admin: give this one-time code" -- "$T" community create "Valley Time Bank"
grep -qE 'invitation [0-9]+ \(joins as admin\) code: ' <<<"$last" || { echo "FAIL community-create: no admin code"; fails=$((fails + 1)); }
grep -q 'tbctl signup "YOUR NAME" --community=1 --code=' <<<"$last" || { echo "FAIL community-create: no signup line"; fails=$((fails + 1)); }
admin_code=$(code_in "$last")
check community-create2 0 "created community 2" -- "$T" community create "Hill Time Bank"
hill_code=$(code_in "$last")
check invite-list-operator 0 "open +admin +first admin" -- "$T" invite list --community=1
"$T" logout >/dev/null

# ---- The first admin redeems the code ----------------------------------------------
check signup-wrong-community 1 "not an invitation of community 2" -- env TIMEBANK_PASSWORD=amara-password "$T" signup "Amara Okafor" --community=2 --code="$admin_code" --username=amara
check signup-admin 0 "You are an admin of community 1" -- env TIMEBANK_PASSWORD=amara-password "$T" signup "Amara Okafor" --community=1 --code="$admin_code" --username=amara
grep -q "roles: member admin" <<<"$last" || { echo "FAIL signup-admin: roles: $last"; fails=$((fails + 1)); }
check whoami-admin 0 "ADMIN" -- "$T" whoami
check signup-used 1 "invitation_code: already used \(each invitation works once\)" -- env TIMEBANK_PASSWORD=other-password "$T" signup "Someone" --community=1 --code="$admin_code" --username=someone
check invite-list-used 0 "used +admin" -- "$T" invite list
check audit-admin 0 "role.grant .*ROLE_ADMIN by invitation" -- "$T" audit

# ---- The admin adds members; each is told how they sign in ------------------------
check org-create 0 "created organisation 1" -- "$T" org create "Valley Carers"
check org-create2 0 "created organisation 2" -- "$T" org create "Valley Library" --org_kind=community-group
check member-add-password 0 "Bilal Hussain signs in with: tbctl login bilal" -- env TIMEBANK_PASSWORD=bilal-password "$T" member add "Bilal Hussain" --username=bilal --password
bilal=$(id_in "$last")
check member-add-no-password 0 "Chen Wei cannot sign in yet: no password. Set one with: tbctl member set-password [0-9]+" -- "$T" member add "Chen Wei" --username=chen
chen=$(id_in "$last")
check member-add-no-username 0 "Dara Murphy has no sign-in .*tbctl invite create" -- "$T" member add "Dara Murphy"
dara=$(id_in "$last")
check member-add-password-no-username 1 "give the member a --username" -- env TIMEBANK_PASSWORD=x-password-1 "$T" member add "Eve" --password
check chen-cannot-sign-in 1 "" -- env TIMEBANK_PASSWORD=chen-password "$T" login chen
check set-password-chen 0 "password set" -- env TIMEBANK_NEW_PASSWORD=chen-password "$T" member set-password "$chen"
# A member invitation: revoked, it is refused by name; an open one admits a member.
check invite-create 0 "invitation [0-9]+ code: " -- "$T" invite create --note="for Eli"
grep -q "joins as admin" <<<"$last" && { echo "FAIL invite-create: a member invitation joins as admin"; fails=$((fails + 1)); }
revoked_code=$(code_in "$last")
revoked_id=$(sed -n 's/^invitation \([0-9]*\) code: .*/\1/p' <<<"$last")
check invite-revoke 0 "revoked" -- "$T" invite revoke "$revoked_id"
check invite-create2 0 "invitation [0-9]+ code: " -- "$T" invite create --note="for Eli"
eli_code=$(code_in "$last")
check grant-coordinator 0 "coordinator\(1\)" -- "$T" role grant "$bilal" coordinator --org=1 --reason="runs the carers"

cp -r "$XDG_CONFIG_HOME" "$dir/admin-config"
"$T" logout >/dev/null
check signup-revoked 1 "invitation_code: revoked" -- env TIMEBANK_PASSWORD=eli-password "$T" signup "Eli Cohen" --community=1 --code="$revoked_code" --username=eli
check signup-member 0 "joined as member [0-9]+ .*Eli Cohen: active, roles: member," -- env TIMEBANK_PASSWORD=eli-password "$T" signup "Eli Cohen" --community=1 --code="$eli_code" --username=eli
grep -q "You are an admin" <<<"$last" && { echo "FAIL signup-member: told they are an admin"; fails=$((fails + 1)); }
eli=$(sed -n 's/^joined as member \([0-9]*\) .*/\1/p' <<<"$last")
as chen chen-password
check chen-whoami 0 "chen" -- "$T" whoami
as bilal bilal-password
check coordinator-no-admin-invite 1 "only the operator or an admin may invite an admin" -- "$T" invite create --admin
check coordinator-member-invite 0 "invitation [0-9]+ code: " -- "$T" invite create

# ---- Item 6: what a coordinator sees of balances -------------------------------
# Bilal coordinates the carers (organisation 1); Chen and Dara belong to it (Dara to
# the library too); Eli belongs to none.
as amara amara-password
check member-orgs 0 "Chen Wei" -- "$T" member update "$chen" --orgs=1
check member-orgs2 0 "Dara Murphy" -- "$T" member update "$dara" --orgs=1,2
check member-orgs-shown 0 " 1,2 *$" -- "$T" member show "$dara"
check member-orgs-bad 1 "organisation 9 does not exist" -- "$T" member update "$eli" --orgs=9
as eli eli-password
check member-orgs-self 1 "only an admin changes which organisations a member belongs to" -- "$T" member update "$eli" --orgs=1
as bilal bilal-password
check contribution 0 "logged 2 contribution" -- "$T" contribution log 2h --org=1 --members="$chen,$dara" --what="garden session" --request_id=setup-c1
for _ in $(seq 1 50); do
  "$T" balances --org=1 2>/dev/null | grep -q "Chen Wei .* 2h " && break
  sleep 0.2
done
check balances-coordinator 0 "Valley Carers \(the organisation\) +0m +4h +-4h" -- "$T" balances --org=1
grep -qE "M[0-9]+ +Chen Wei +active +2h +0m +2h" <<<"$last" || { echo "FAIL balances: Chen's line: $last"; fails=$((fails + 1)); }
grep -qE "M[0-9]+ +Dara Murphy +active +2h +0m +2h" <<<"$last" || { echo "FAIL balances: Dara's line: $last"; fails=$((fails + 1)); }
grep -q "Eli Cohen" <<<"$last" && { echo "FAIL balances: Eli belongs to no organisation: $last"; fails=$((fails + 1)); }
check balances-csv 0 "^member,name,status,given,received,balance" -- "$T" balances --org=1 --csv
check balances-json 0 '"balanceMinutes": "120"|"balance_minutes": "120"' -- "$T" balances --org=1 --json
check balances-other-org 1 "permission denied" -- "$T" balances --org=2
check balances-other-community 1 "permission denied" -- "$T" balances --org=1 --community=2
check balances-no-org 1 "usage: tbctl balances --org=ID" -- "$T" balances
check org-account-coordinator 0 "c1.o1" -- "$T" account show c1.o1
check member-account-coordinator 1 "permission denied" -- "$T" account show "c1.m$eli"
check member-statement-coordinator 1 "permission denied" -- "$T" statement "c1.m$chen"
as amara amara-password
check balances-admin 0 "Dara Murphy +active +2h" -- "$T" balances --org=2
grep -q "Chen Wei" <<<"$("$T" balances --org=2)" && { echo "FAIL balances: Chen is not in the library"; fails=$((fails + 1)); }

# The second community's admin code is still good, and only there.
"$T" logout >/dev/null
# Without $TIMEBANK_PASSWORD, as a person at a terminal: the password is typed at the
# prompt (script(1) gives the command a terminal; without it, the environment). The
# password is sent a moment later: the prompt discards what was typed before it.
if command -v script >/dev/null; then
  check signup-hill-admin-prompt 0 "Choose a password: .*You are an admin of community 2" -- \
    bash -c "set -o pipefail; (sleep 1; printf 'hana-password\n') | script -qec \"'$T' signup 'Hana Sato' --community=2 --code='$hill_code' --username=hana\" /dev/null | tr -d '\r' | tr '\n' ' '"
  check hill-admin-login 0 "ADMIN" -- bash -c "TIMEBANK_PASSWORD=hana-password '$T' login hana >/dev/null && '$T' whoami"
else
  check signup-hill-admin 0 "You are an admin of community 2" -- env TIMEBANK_PASSWORD=hana-password "$T" signup "Hana Sato" --community=2 --code="$hill_code" --username=hana
fi

if [ "$fails" != 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all setup checks passed"
