#!/usr/bin/env bash
# Builds the image fuzz target with clang (libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer)
# in its own folder and runs it for SECONDS, starting from small generated seed images.
# Usage: tests/fuzz/run.sh SECONDS [WORK_DIR]    (default WORK_DIR: build-fuzz next to tests/)
# Exit status: 0 no finding, 1 a finding (crash input saved in WORK_DIR/findings), 77 clang or
# libFuzzer is not installed (ctest reports the test as skipped).
set -euo pipefail
seconds=${1:?usage: run.sh SECONDS [WORK_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${2:-$root/build-fuzz}

if ! command -v clang++ >/dev/null; then
  echo "clang++ not found: fuzzing skipped"
  exit 77
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "clang++ has no libFuzzer runtime (libclang-rt-dev): fuzzing skipped"
  exit 77
fi

mkdir -p "$work/obj" "$work/corpus" "$work/findings"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -ffp-contract=off
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -I"$root/sdk/include" -I"$root/sdk/src/image")
sources=("$here/fuzz_image.cpp" "$root"/sdk/src/image/*.cpp)
objects=()
for src in "${sources[@]}"; do
  obj=$work/obj/$(basename "$src" .cpp).o
  if [[ ! -f $obj || $src -nt $obj || $0 -nt $obj ]]; then
    clang++ "${flags[@]}" -c "$src" -o "$obj"
  fi
  objects+=("$obj")
done
clang++ "${flags[@]}" "${objects[@]}" -o "$work/fuzz_image" \
  -ljpeg -lpng16 -lwebp -lwebpdemux -lgif -lz

/usr/bin/python3 "$here/make_seeds.py" "$work/seeds"
cd "$work/findings"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$work/fuzz_image" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$work/corpus" "$work/seeds"
