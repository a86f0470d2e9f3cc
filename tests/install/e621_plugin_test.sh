#!/usr/bin/env bash
# The plugin example sdk/examples/e621 as a third party would use it: installed with aotfd
# (cmake --install into a temporary prefix), built from the installed copy against the installed
# SDK only, installed into the installed plugins folder, listed by `aotfd plugins`, then used:
# the installed daemon (every bundled plugin plus e621) answers `aotfctl query <e621 post>` with
# the artist's X account that the post's sources name, served by loopback fixtures.
# Usage: e621_plugin_test.sh BUILD_DIR SOURCE_DIR FIXTURE_BINARY
set -euo pipefail
build=$1 source=$2 fixture=$3
work=$(mktemp -d)
daemon_pid= fixture_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill -9 "$daemon_pid" 2>/dev/null
  [[ -n $fixture_pid ]] && kill "$fixture_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [[ -f $work/daemon.log ]] && { echo "--- daemon log"; tail -n 40 "$work/daemon.log"; }
  exit 1
}
# Polls `$@` every 0.2 s until it succeeds, for at most $1 seconds.
eventually() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
example=$prefix/share/aotfd/examples/e621
[[ -f $example/CMakeLists.txt ]] || fail "the example is not installed in share/aotfd/examples/e621"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$example" -B "$work/e621-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" "${launcher[@]}" >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log"; fail "configuring the example failed"; }
cmake --build "$work/e621-build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the example failed"; }
if grep -qF "$source/sdk" "$work/e621-build/build.ninja"; then
  fail "the example was compiled against the source tree, not the installed SDK"
fi
cmake --install "$work/e621-build" --prefix "$prefix" >/dev/null
[[ -f $prefix/lib/aotfd/plugins/e621.so ]] || fail "the example's install rule did not put e621.so in lib/aotfd/plugins"

mkdir "$work/elsewhere"
cd "$work/elsewhere"  # no config/aotfd.toml: the installed aotfd reads <prefix>/etc/aotfd/aotfd.toml
out=$("$prefix/bin/aotfd" plugins)
grep -qF "e621.so: plugin 'e621' version 1.0.0, ABI 1" <<<"$out" || fail "aotfd plugins does not list e621: $out"
grep -qE "^ +sites: e621$" <<<"$out" || fail "the e621 plugin registers no e621 site: $out"
grep -qE "[0-9]+ loaded, 0 refused" <<<"$out" || fail "a plugin was refused: $out"

if [[ ! -f $prefix/lib/aotfd/plugins/user_pipeline.so ]]; then
  echo "the user_pipeline plugin is not built: the query through the Link Finder is not tried"
  exit 77
fi

# --- the fixtures, and the daemon pointed at them -------------------------------------------------
mkfifo "$work/fixture.in"
"$fixture" <"$work/fixture.in" >"$work/fixture.out" 2>&1 &
fixture_pid=$!
exec 3>"$work/fixture.in"  # the fixture serves while this stays open
eventually 20 grep -q '^e621=' "$work/fixture.out" || fail "the fixture did not start: $(cat "$work/fixture.out")"
read -r e621_kv x_kv token_kv _ <"$work/fixture.out"
e621_base=${e621_kv#e621=} x_base=${x_kv#x=} token=${token_kv#token=}

instance=e621_install_$$
config=$work/run.toml
{
  echo "instance = \"$instance\""
  echo "data_dir = \"$work/data\""
  echo "stop_timeout_s = 5"
  echo "[plugins.e621]"
  echo "base_url = \"$e621_base\""
  echo "[plugins.sources]"
  echo "x.api_base_url = \"$x_base\""
  echo "x.token_env = \"AOTF_E621_TEST_X_TOKEN\""
  echo "bluesky.appview_base_url = \"http://127.0.0.1:9\""
} >"$config"
# Only the Link Finder runs: every other stage of the installed plugins gets 0 threads (the HTTP
# server would want a fixed port, the scans nothing this test looks at).
stages=$("$prefix/bin/aotfd" --config "$config" plugins | sed -n 's/^ *stages: //p' | tr ',' ' ')
for stage in $stages; do
  [[ $stage == step1_link_finder ]] && continue
  printf '[stages.%s]\nthreads = 0\n' "$stage" >>"$config"
done
"$prefix/bin/aotfd" --config "$config" check-config >/dev/null || fail "the test's config is invalid"

AOTF_E621_TEST_X_TOKEN=$token "$prefix/bin/aotfd" --config "$config" run </dev/null 2>"$work/daemon.log" &
daemon_pid=$!
eventually 30 grep -q "running with" "$work/daemon.log" || fail "the installed daemon did not start"

url="https://e621.net/posts/4242"
query() { "$prefix/bin/aotfctl" --config "$config" query "$url" >"$work/query.out" 2>&1 || true; }
past_link_finder() {
  query
  grep -qE '^Status: ([2-6]) ' "$work/query.out" && grep -q '^  @inkfox_draws (x ID 7001)$' "$work/query.out"
}
eventually 60 past_link_finder || fail "the Link Finder did not find @inkfox_draws through e621: $(cat "$work/query.out")"
grep -qx 'Error: none' "$work/query.out" || fail "the request failed: $(cat "$work/query.out")"
cat "$work/query.out"

# A page of e621 that is not a post is refused by the Link Finder, not by an error.
url="https://e621.net/wiki_pages/help"
finished() { query; grep -q '^Status: 6 ' "$work/query.out"; }
eventually 60 finished || fail "the wiki page request did not end: $(cat "$work/query.out")"
grep -qx 'Error: NOT_AN_ARTWORK_PAGE' "$work/query.out" || fail "a wiki page was not NOT_AN_ARTWORK_PAGE: $(cat "$work/query.out")"

# An answer the plugin cannot read fails that request with PROCESSING_ERROR, and the error log
# names the site, the missing field and the URL; the daemon goes on.
url="https://e621.net/posts/777"
eventually 60 finished || fail "the request for post 777 did not end: $(cat "$work/query.out")"
grep -qx 'Error: PROCESSING_ERROR' "$work/query.out" || fail "post 777 did not fail: $(cat "$work/query.out")"
errors=$work/data/logs/step1_link_finder_errors.log
eventually 10 grep -q "post.sources" "$errors" || fail "the error log does not name post.sources: $(cat "$errors" 2>&1)"
grep -qF "$e621_base/posts/777.json" "$errors" || fail "the error log does not name the URL: $(cat "$errors")"
kill -0 "$daemon_pid" || fail "the daemon died"

kill -TERM "$daemon_pid"
eventually 30 bash -c "! kill -0 $daemon_pid 2>/dev/null" || fail "the daemon did not stop on SIGTERM"
wait "$daemon_pid" || fail "the daemon exited with status $?"
daemon_pid=
echo "e621 plugin built against the installed SDK, loaded by the installed aotfd, found the artist"
