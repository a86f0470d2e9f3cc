#!/usr/bin/env bash
# Measures messages per second through the segment's step C queue between a producer and a
# consumer process, and a Unix SEQPACKET socket ping-pong between two processes in the same run,
# and prints both and the ratio (goal: the queue at least 5x the socket).
# Usage: tests/bench/shm_queue/run.sh [build folder] [extra benchmark options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-${AOTF_BUILD_DIR:-$root/build}}
shift || true
bin=$build/bin/aotf_bench_shm_queue
if [[ ! -x $bin ]]; then
  echo "run.sh: $bin not found; build it first: cmake --build $build --target aotf_bench_shm_queue" >&2
  exit 1
fi
exec "$bin" --messages 1000000 --min-ratio 5 "$@"
