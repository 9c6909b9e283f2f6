#!/usr/bin/env bash
# tb-loadgen works in every quick mode: each run is short (not a benchmark), must
# finish with exit 0, no failed RPCs, transfers made, and one JSON object carrying
# the fields scripts read. Usage: loadgen_smoke_test.sh TB_LOADGEN
set -euo pipefail
LOADGEN="$1"
fails=0
for mode in single hot batch auth ceiling; do
  out=$("$LOADGEN" --mode="$mode" --duration_s=0.5 --warmup_s=0.1 --accounts=200 \
        --batch_size=20 --concurrency=8 --json 2>/dev/null) || { echo "FAIL $mode: exit $?"; fails=$((fails + 1)); continue; }
  if python3 - "$mode" "$out" <<'PY'
import json, sys
mode, text = sys.argv[1], sys.argv[2]
d = json.loads(text)
for k in ("transfers_per_s", "empty_rpc_per_s", "ratio_to_empty", "p50_ms", "p99_ms",
          "p999_ms", "cores_used", "cpu_us_per_rpc", "failed_rpcs"):
    assert k in d, f"missing {k}"
assert d["mode"] == mode, d["mode"]
assert d["failed_rpcs"] == 0, d["failed_rpcs"]
assert d["transfers_per_s"] > 0 and d["empty_rpc_per_s"] > 0, d
assert d["rejected_transfers"] == 0, d
assert 0 < d["cores_used"] <= 64, d["cores_used"]
PY
  then echo "ok   $mode"; else echo "FAIL $mode: $out"; fails=$((fails + 1)); fi
done
# Bad flags get a message and a non-zero exit.
if "$LOADGEN" --mode=nonsense > /dev/null 2>&1; then echo "FAIL bad mode accepted"; fails=$((fails + 1)); else echo "ok   bad mode refused"; fi
if "$LOADGEN" --mode=ceiling --target=127.0.0.1:1 > /dev/null 2>&1; then
  echo "FAIL ceiling with --target accepted"; fails=$((fails + 1))
else echo "ok   ceiling needs no target"; fi
[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
