#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test twice: a normal build, then an
# AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/install-deps.sh
jobs=$(nproc)
echo "== build (RelWithDebInfo)"
bash deploy/local/build.sh build
echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 900)
echo "== build (ASan + UBSan)"
bash deploy/local/build.sh build-asan -DTIMEBANK_SANITIZE=ON
echo "== tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 1800)
