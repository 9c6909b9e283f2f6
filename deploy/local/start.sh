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
fresh=0
[ -d data/ledger ] || fresh=1
nohup build/services/timebankd/timebankd --services=all --data_dir=data \
  --listen="$LISTEN" --metrics_listen="$METRICS" > data/timebankd.log 2>&1 &
echo $! > data/timebankd.pid
export TIMEBANK_SERVER="$LISTEN"
for _ in $(seq 1 50); do
  build/clients/cli/tbctl ping >/dev/null 2>&1 && break
  sleep 0.2
done
build/clients/cli/tbctl ping
if [ "$fresh" = 1 ]; then
  bash deploy/local/demo-seed.sh
fi
cat <<INFO

timebankd is running (pid $(cat data/timebankd.pid)), serving gRPC on $LISTEN.
  data and log:  ./data  (./data/timebankd.log)
  metrics:       http://$METRICS/metrics
  try it:        export TIMEBANK_SERVER=$LISTEN
                 build/clients/cli/tbctl account list --community=1
                 build/clients/cli/tbctl statement alice
                 build/clients/cli/tbctl transfer 1h --provider=bob --receiver=alice --memo="shopping"
                 build/clients/cli/tbctl journal verify
  load test:     build/clients/loadgen/tb-loadgen --target=$LISTEN --mode=single
  stop:          kill \$(cat data/timebankd.pid)
INFO
