#!/usr/bin/env bash
# Runs the Hamming search benchmark at 1M and 10M fingerprints and prints the table: build time,
# bytes per fingerprint, radius-6 queries per second of the aotf index, the tuned linear scan and
# the FAISS binary indexes (when the benchmark was built with libfaiss-dev), with the ratios.
# Usage: tests/bench/hamming/run.sh [build folder] [extra benchmark options...]
# Takes about 3-4 minutes and about 3 GiB of memory at 10M.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-${AOTF_BUILD_DIR:-$root/build}}
shift || true
bin=$build/bin/aotf_bench_hamming
if [[ ! -x $bin ]]; then
  echo "run.sh: $bin not found; build it first: cmake --build $build --target aotf_bench_hamming" >&2
  exit 1
fi
exec "$bin" --codes 1000000,10000000 --queries 4000 --radius 6 --seconds 3 "$@"
