#!/usr/bin/env bash
# bench-smoke: builds a two-file corpus of small JPEGs and runs the benchmark briefly on it.
# Usage: smoke.sh BENCH_BINARY CORPUS_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 "$here/make_corpus.py" "$2" --count 2 --min-side 64 --max-side 300 >/dev/null
AOTF_BENCH_CORPUS=$2 "$1" --benchmark_min_time=0.01
