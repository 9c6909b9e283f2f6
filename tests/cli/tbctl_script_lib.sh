# What the tbctl end-to-end scripts share (sourced, not run): a timebankd on a free
# port with a fresh data directory under $dir (stopped and removed on exit), a private
# tbctl config, and `check NAME EXPECTED_EXIT PATTERN -- command...`, which runs the
# command, keeps its output in $last and counts failures in $fails.
# Needs TIMEBANKD set and `dir` made by the caller (mktemp -d).
unset TIMEBANK_TOKEN TIMEBANK_PASSWORD TIMEBANK_NEW_PASSWORD TIMEBANK_ADMIN_PASSWORD
"$TIMEBANKD" --data_dir="$dir/data" --listen=127.0.0.1:0 --metrics_listen= > "$dir/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$dir/out" 2>/dev/null && break; sleep 0.1; done
export TIMEBANK_SERVER=$(sed -n 's/^timebankd listening on \([^ ]*\).*/\1/p' "$dir/out")
[ -n "$TIMEBANK_SERVER" ] || { echo "timebankd did not start"; cat "$dir/out"; exit 1; }
export XDG_CONFIG_HOME="$dir/config"
fails=0
last=""
check() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local rc=0
  last=$("$@" 2>&1) || rc=$?
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" <<<"$last"; then
    echo "FAIL $name: exit $rc (want $want), output:"; echo "$last" | sed 's/^/    /'
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
