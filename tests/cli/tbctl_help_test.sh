#!/usr/bin/env bash
# tbctl's command table gives both the help and the dispatch: every command --help
# names has its own `tbctl help COMMAND`, which shows that command's lines under its
# heading; an unknown command is refused (exit 2) both ways. Usage: tbctl_help_test.sh TBCTL
set -uo pipefail
TBCTL="$1"
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

help=$("$TBCTL" --help) || fail "--help exit $?"
for heading in "Signing in" "Directory" "Contributions and exchanges" "Expenses" "Accounts" \
               "Transfers" "Statements and the journal" "Server" "Common flags" "Examples"; do
  grep -q "^$heading" <<<"$help" || fail "--help lacks the heading '$heading'"
done

# The first word(s) of each usage line, up to the common flags.
words=$(sed -n '/^Signing in/,/^Common flags/p' <<<"$help" | grep -E '^  [a-z]' |
        sed -E 's/^  //; s/ +\| +/|/g' | awk '{print $1}' | tr '|' '\n' | sort -u)
[ "$(wc -l <<<"$words")" -ge 30 ] || fail "found only $(wc -l <<<"$words") commands in --help"
for w in $words; do
  out=$("$TBCTL" help "$w") || { fail "help $w: exit $?"; continue; }
  grep -q "$w" <<<"$out" || fail "help $w does not mention $w: $out"
done

out=$("$TBCTL" help account)
grep -q "^Accounts (ledger" <<<"$out" || fail "help account: no heading: $out"
grep -q "account create ID --community=N" <<<"$out" || fail "help account: no usage: $out"
grep -q "transfer AMOUNT" <<<"$out" && fail "help account shows the transfer commands"
out=$("$TBCTL" help whoami)
grep -q "logout | whoami | passwd | signout-everywhere" <<<"$out" || fail "help whoami: $out"

"$TBCTL" help frobnicate > /dev/null 2>/tmp/tbctl_help_err.$$
rc=$?
[ "$rc" = 2 ] || fail "help frobnicate: exit $rc, want 2"
grep -q "unknown command 'frobnicate'" /tmp/tbctl_help_err.$$ || fail "help frobnicate: $(cat /tmp/tbctl_help_err.$$)"
"$TBCTL" frobnicate > /dev/null 2>/tmp/tbctl_help_err.$$
rc=$?
[ "$rc" = 2 ] || fail "frobnicate: exit $rc, want 2"
grep -q "unknown command 'frobnicate'" /tmp/tbctl_help_err.$$ || fail "frobnicate: $(cat /tmp/tbctl_help_err.$$)"

# `tbctl COMMAND --help`: that command's usage, its flags with their meaning and an
# example, not the whole help text (issue 14).
for w in $words; do
  out=$("$TBCTL" "$w" --help) || { fail "$w --help: exit $?"; continue; }
  grep -q "^  .*$w" <<<"$out" || fail "$w --help shows no usage line: $out"
  grep -q "^Examples\?$" <<<"$out" || fail "$w --help has no example"
  grep -q "^  tbctl $w" <<<"$out" || fail "$w --help: the example does not run $w: $out"
  grep -q "^Common flags" <<<"$out" && fail "$w --help prints the whole help text"
done
out=$("$TBCTL" transfer --help)
grep -Eq "^  --provider +Who gave the time" <<<"$out" || fail "transfer --help: no flag help: $out"
out=$("$TBCTL" activity list --state=proposed --help)
grep -q "^  activity list" <<<"$out" || fail "activity list --help: $out"
# A flag no command knows, and one this command does not take, are errors (exit 2 or 1),
# never silently ignored.
"$TBCTL" transfer 1h --provider=a --receiver=b --frobnicate=1 > /dev/null 2>/tmp/tbctl_help_err.$$
rc=$?
[ "$rc" != 0 ] || fail "an unknown flag was accepted"
grep -qi "frobnicate" /tmp/tbctl_help_err.$$ || fail "unknown flag not named: $(cat /tmp/tbctl_help_err.$$)"
"$TBCTL" ping --state=proposed > /dev/null 2>/tmp/tbctl_help_err.$$
rc=$?
[ "$rc" = 2 ] || fail "ping --state: exit $rc, want 2"
grep -q "state" /tmp/tbctl_help_err.$$ || fail "ping --state not named: $(cat /tmp/tbctl_help_err.$$)"
rm -f /tmp/tbctl_help_err.$$

[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
echo "ok   tbctl help"
