#!/usr/bin/env bash
# Installs dependencies, builds once, and runs every test: one clang build with
# AddressSanitizer + UndefinedBehaviorSanitizer that also checks the lock annotations
# (-Wthread-safety) and builds the libFuzzer targets (tests/fuzz). Every unit,
# integration, conformance, crash and tbctl end-to-end test runs in it; each fuzzer
# then runs for FUZZ_SECONDS (default 25) from its seed corpus, and any crash fails the
# run. One build serves every kind of test (docs/decisions/0016): a second, unsanitized
# build of the same sources ran the same tests with fewer checks and cost a third of
# CI's 25 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/install-deps.sh
jobs=$(nproc)
fuzz_seconds="${FUZZ_SECONDS:-25}"
echo "== build (clang: ASan + UBSan, -Wthread-safety, fuzzers)"
# CI has 2 cores and 25 minutes for all of this, so the build is made cheaper
# without leaving out a test: -O1 and line tables only (what ASan's own documentation
# suggests; reports still give file:line), the generated gRPC stubs as one unity
# source, and no micro-benchmarks (they are not tests).
CC=clang CXX=clang++ bash deploy/local/build.sh build-asan -DTIMEBANK_SANITIZE=ON -DTIMEBANK_FUZZ=ON \
  -DTIMEBANK_BENCHMARKS=OFF -DTIMEBANK_UNITY_PROTO=ON -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
echo "== tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 1800)
echo "== fuzzers (${fuzz_seconds} s each)"
for fuzzer in text_rule_fuzzer request_decode_fuzzer contribution_import_fuzzer; do
  # New inputs go to the build directory; the committed seeds are only read.
  corpus="build-asan/fuzz-corpus/$fuzzer"
  mkdir -p "$corpus" build-asan/fuzz-crashes
  "build-asan/tests/fuzz/$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 \
    -artifact_prefix=build-asan/fuzz-crashes/ -print_final_stats=1 \
    "$corpus" "tests/fuzz/corpus/$fuzzer" > "build-asan/fuzz-$fuzzer.log" 2>&1 ||
    { tail -n 60 "build-asan/fuzz-$fuzzer.log"; echo "$fuzzer failed"; exit 1; }
  grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units" "build-asan/fuzz-$fuzzer.log"
done
