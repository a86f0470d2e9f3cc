#!/usr/bin/env bash
# Fingerprint throughput against the peers, measured in the same run on the same files:
#   exact and fast mode (bench_fingerprint, Google Benchmark), the original's Pillow + scipy code
#   (pillow_reference.py) and the npm package sharp-phash (sharp_phash.js).
# Figures are fingerprints per second of CPU time, i.e. per core, so a busy machine changes them
# less than wall time would.
# Usage: tests/bench/fingerprint/run.sh [BUILD_DIR] [COUNT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
count=${2:-40}
corpus=$build/bench-corpus/fingerprint-$count
bench=$build/bin/bench_fingerprint
[[ -x $bench ]] || cmake --build "$build" --target bench_fingerprint -j2

echo "corpus: $(/usr/bin/python3 "$here/make_corpus.py" "$corpus" --count "$count") ($count JPEGs, 1000-2500 px, $(du -sh "$corpus" | cut -f1))"

json=$(AOTF_BENCH_CORPUS=$corpus "$bench" --benchmark_format=json --benchmark_min_time=3 2>/dev/null)
rate() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.3f" % next(b["items_per_second"] for b in d["benchmarks"] if b["name"]==sys.argv[1]))' "$1" <<<"$json"; }
exact=$(rate BM_FingerprintExact)
fast=$(rate BM_FingerprintFast)
decode=$(rate BM_LibjpegDecodeOnly)
pillow=$(/usr/bin/python3 "$here/pillow_reference.py" "$corpus" 1)

sharp=""
node_dir=$build/bench-node
if command -v node >/dev/null; then
  if [[ ! -d $node_dir/node_modules/sharp-phash ]]; then
    npm install --prefix "$node_dir" --no-audit --no-fund sharp sharp-phash >/dev/null 2>&1 ||
      echo "sharp-phash: npm install failed (sharp's prebuilt libvips could not be installed); comparing with Pillow only"
  fi
  if [[ -d $node_dir/node_modules/sharp-phash ]]; then
    sharp=$(NODE_PATH=$node_dir/node_modules node "$here/sharp_phash.js" "$corpus" 3) || sharp=""
  fi
fi

ratio() { /usr/bin/python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
printf '%-34s %10s\n' "fingerprints per second per core" ""
printf '  %-32s %10s\n' "aotfd exact (bit-exact)" "$exact" "aotfd fast" "$fast" "Pillow 9.4 + scipy (original)" "$pillow"
printf '  %-32s %10s\n' "(libjpeg-turbo RGBX decode alone)" "$decode"
[[ -n $sharp ]] && printf '  %-32s %10s\n' "sharp-phash $(node -p "require('$node_dir/node_modules/sharp-phash/package.json').version") (sharp $(node -p "require('$node_dir/node_modules/sharp/package.json').version"))" "$sharp"
echo "ratios"
echo "  exact / Pillow:        $(ratio "$exact" "$pillow")   (goal >= 2.5; ceiling for any bit-exact code: decode alone / Pillow = $(ratio "$decode" "$pillow"))"
echo "  fast / Pillow:         $(ratio "$fast" "$pillow")"
if [[ -n $sharp ]]; then
  echo "  fast / sharp-phash:    $(ratio "$fast" "$sharp")   (goal >= 3)"
  echo "  exact / sharp-phash:   $(ratio "$exact" "$sharp")"
fi
