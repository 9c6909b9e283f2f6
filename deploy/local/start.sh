#!/usr/bin/env bash
# Installs dependencies, builds, and starts the all-in-one timebankd on loopback
# with its data in ./data, seeding a demo community the first time.
# Stop it with: kill "$(cat data/timebankd.pid)"
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/install-deps.sh
bash deploy/local/build.sh build
LISTEN="${TIMEBANK_LISTEN:-127.0.0.1:7400}"
METRICS="${TIMEBANK_METRICS:-127.0.0.1:9464}"
mkdir -p data
if [ -f data/timebankd.pid ] && kill -0 "$(cat data/timebankd.pid)" 2>/dev/null; then
  echo "timebankd is already running (pid $(cat data/timebankd.pid)); restarting it"
  kill "$(cat data/timebankd.pid)"
  while kill -0 "$(cat data/timebankd.pid)" 2>/dev/null; do sleep 0.2; done
fi
if [ -f data/ledger/CURRENT ]; then
  # Demo data of a development build whose ledger was one database
  # (docs/decisions/0004): keep it aside and seed a new demo.
  aside="data.before-ledger-split.$(date +%Y%m%d%H%M%S)"
  echo "./data holds a ledger in the layout of an earlier development build; moved it to ./$aside"
  mv data "$aside"
  mkdir -p data
fi
# start_timebankd FLAGS...: starts timebankd on ./data; fails if it exits instead of
# answering (its reason is in data/timebankd.log).
start_timebankd() {
  nohup build/services/timebankd/timebankd --services=all --data_dir=data \
    --listen="$LISTEN" --metrics_listen="$METRICS" "$@" > data/timebankd.log 2>&1 &
  echo $! > data/timebankd.pid
  for _ in $(seq 1 50); do
    build/clients/cli/tbctl ping >/dev/null 2>&1 && return 0
    kill -0 "$(cat data/timebankd.pid)" 2>/dev/null || return 1
    sleep 0.2
  done
}
operator_flags() {  # the demo's operator gets a random password (never a fixed default)
  TIMEBANK_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)
  export TIMEBANK_ADMIN_PASSWORD
  admin=(--admin_username=operator)
}
fresh=0
[ -d data/ledger ] || fresh=1
admin=()
if [ "$fresh" = 1 ]; then operator_flags; fi
export TIMEBANK_SERVER="$LISTEN"
if ! start_timebankd "${admin[@]}"; then
  if grep -q "written by an earlier version of timebank" data/timebankd.log; then
    # Demo data from before ledger ids were community-scoped (docs/decisions/0005):
    # nothing in it can be converted; keep it aside and seed a new demo.
    aside="data.before-scoped-ids.$(date +%Y%m%d%H%M%S)"
    echo "./data was written before ledger ids were community-scoped; moved it to ./$aside"
    mv data "$aside"
    mkdir -p data
    fresh=1
    operator_flags
    start_timebankd "${admin[@]}" || { cat data/timebankd.log; exit 1; }
  else
    echo "timebankd did not start:"
    cat data/timebankd.log
    exit 1
  fi
fi
build/clients/cli/tbctl ping
if [ "$fresh" = 1 ]; then
  bash deploy/local/demo-seed.sh "$TIMEBANK_ADMIN_PASSWORD"
  unset TIMEBANK_ADMIN_PASSWORD
fi
cat <<INFO

timebankd is running (pid $(cat data/timebankd.pid)), serving gRPC on $LISTEN.
  data and log:  ./data  (./data/timebankd.log)
  metrics:       http://$METRICS/metrics
  sign in:       every demo login (username and random password) is in ./data/demo-logins.txt:
$(sed 's/^/                   /' data/demo-logins.txt 2>/dev/null | head -6)
                   ... and ten more members
  try it:        export TIMEBANK_SERVER=$LISTEN
                 build/clients/cli/tbctl login amara          (admin; password from the file)
                 build/clients/cli/tbctl member list
                 build/clients/cli/tbctl contribution log 2h --org=1 --members=5,6 --what="litter pick"
                 build/clients/cli/tbctl activity list
                 build/clients/cli/tbctl login alice          (a member)
                 build/clients/cli/tbctl whoami; build/clients/cli/tbctl statement c1.m<your id>
                 build/clients/cli/tbctl me; build/clients/cli/tbctl badges
                 build/clients/cli/tbctl login dara           (thirty Saturdays in a row)
                 build/clients/cli/tbctl dashboard --weeks=30 (the change after PDSA cycle 2)
                 build/clients/cli/tbctl --service_keyring=data/keyring journal verify
  load test:     build/clients/loadgen/tb-loadgen --target=$LISTEN --keyring=data/keyring --mode=single
  stop:          kill \$(cat data/timebankd.pid)
INFO
