#!/usr/bin/env bash
# First-time scan of a fixture account of 10,000 posts (1-4 photos each, 600x400 JPEGs) by a real
# aotfd, in threads mode and with container processes: posts per second, peak memory, and where
# step C spends its time. Prints the table and the processes/threads ratios.
# Usage: tests/bench/first_scan/run.sh [build folder] [extra options, e.g. --posts 2000 --fingerprint fast]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-${AOTF_BUILD_DIR:-$root/build}}
shift || true
bin=$build/bin/aotf_bench_first_scan
if [[ ! -x $bin ]]; then
  echo "run.sh: $bin not found; build it first: cmake --build $build --target aotf_bench_first_scan" >&2
  exit 1
fi
exec "$bin" --posts 10000 "$@"
