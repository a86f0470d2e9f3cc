#!/usr/bin/env bash
# Installs the SDK to a temporary prefix, builds tests/sdk_consumer/project against it with
# find_package(AotfSDK), and checks that aotfd loads the result.
# Usage: run_test.sh BUILD_DIR SOURCE_DIR AOTFD_BINARY
set -euo pipefail
build=$1 source=$2 aotfd=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" --component sdk >/dev/null
cmake --install "$build" --prefix "$work/prefix" --component sdk_dev >/dev/null
test -f "$work/prefix/include/aotf/plugin.hpp" || { echo "SDK headers were not installed"; exit 1; }

cmake -S "$source/tests/sdk_consumer/project" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null

# The plugin must have found the installed SDK, not the build tree.
if grep -q "$source/sdk/include" "$work/consumer/build.ninja"; then
  echo "the consumer was compiled against the source tree, not the installed SDK"; exit 1
fi

cat > "$work/aotfd.toml" <<TOML
instance = "sdk_consumer_test"
data_dir = "$work/data"
plugins_dir = "$work/consumer/plugins"
[plugins.hello_consumer]
greeting = "bonjour"
TOML
out=$("$aotfd" --config "$work/aotfd.toml" plugins)
echo "$out"
grep -q "hello_consumer.so: plugin 'hello_consumer' version 1.0.0, ABI 1" <<<"$out"
grep -q "stages: hello_greeter" <<<"$out"
grep -q "1 loaded, 0 refused" <<<"$out"
"$aotfd" --config "$work/aotfd.toml" check-config
echo "out-of-tree plugin built against the installed SDK and loaded"
