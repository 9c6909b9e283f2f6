#!/usr/bin/env bash
# Installs every Debian 12 package timebank needs to build, test and run.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libargon2-dev libicu-dev libcpp-httplib-dev libjemalloc-dev prometheus-cpp-dev nghttp2-client clang-format
  clang libclang-rt-14-dev llvm  # the sanitizer + libFuzzer build; llvm-symbolizer
  lld  # the linker CI uses (deploy/local/test.sh)
  nlohmann-json3-dev  # JSON documents that are not protobuf messages (Open Badges credentials)
  python3 python3-cryptography python3-jwt  # tests verify credentials with an implementation not our own
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
