#!/usr/bin/env bash
# Builds timebank. Usage: deploy/local/build.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-build}"
shift || true
# clang for every build (docs/decisions/0011): the tests and the server are built alike.
export CC="${CC:-clang}" CXX="${CXX:-clang++}"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$dir"
