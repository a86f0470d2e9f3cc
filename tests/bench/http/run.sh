#!/usr/bin/env bash
# Measures the HTTP API with wrk (2 threads, 64 connections, the rate limiter on, every request
# from a distinct X-Forwarded-For address sent by the trusted loopback peer):
#   GET /query?url=... of a finished request, and GET /stats, on aotfd's http_api plugin;
#   the same requests on a minimal cpp-httplib server answering the same bytes (the ceiling).
# Prints requests/s and p99 latency of each, and aotfd's share of the ceiling (goal: >= 70%).
# Usage: tests/bench/http/run.sh [build folder] [seconds per measure, default 10]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-${AOTF_BUILD_DIR:-$root/build}}" && pwd)
seconds=${2:-10}
connections=${AOTF_BENCH_CONNECTIONS:-64}
here=$root/tests/bench/http

if ! command -v wrk > /dev/null; then
  echo "run.sh: wrk is not installed (scripts/deps test installs it); skipped" >&2
  exit 77
fi
aotfd=$build/bin/aotfd
ceiling=$build/bin/http_ceiling_server
plugins=$build/tests/bench/http/plugins
for f in "$aotfd" "$ceiling" "$plugins/http_api.so" "$plugins/bench_finisher.so"; do
  if [[ ! -e $f ]]; then
    echo "run.sh: $f not found; build it first: cmake --build $build --target bench_http" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/aotfd_bench_http.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_file() {  # file, what
  for _ in $(seq 1 300); do
    [[ -s $1 ]] && return 0
    sleep 0.1
  done
  echo "run.sh: $2 did not start; its log:" >&2
  cat "$work"/*.log >&2 || true
  exit 1
}

cat > "$work/aotfd.toml" << TOML
instance = "bench_http_$$"
data_dir = "$work/data"
plugins_dir = "$plugins"
log_level = "warning"

[plugins.http_api]
port = 0
threads = 8
unlimited_ip_addresses = []
rate_limit_interval_ms = ${AOTF_BENCH_RATE_LIMIT_MS:-1000}

[stages.bench_finisher]
threads = 1
TOML
"$aotfd" --config "$work/aotfd.toml" run < /dev/null > /dev/null 2> "$work/aotfd.log" &
pids+=($!)
wait_for_file "$work/data/http_port" aotfd
port=$(cat "$work/data/http_port")

# One finished request to read back (the finisher stage walks it to END).
url="https://www.deviantart.com/bench/art/finished-1"
query="/query?url=https%3A%2F%2Fwww.deviantart.com%2Fbench%2Fart%2Ffinished-1"
python3 - "$port" "$url" "$query" "$work" << 'PY'
import json, sys, time, urllib.request
port, url, query, work = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def call(path, data=None, n=[0]):
    n[0] += 1
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 headers={"X-Forwarded-For": f"192.0.2.{n[0] % 250 + 1}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()
call("/query", url.encode())
deadline = time.time() + 30
while True:
    body = call(query)
    if json.loads(body)["status"] == "END":
        break
    if time.time() > deadline:
        sys.exit("run.sh: the request did not reach END: " + body.decode())
    time.sleep(0.2)
open(f"{work}/query.json", "wb").write(body)
open(f"{work}/stats.json", "wb").write(call("/stats"))
PY

# wrk run → "requests_per_s p99_ms non_2xx errors timeouts" (errors: connect, read, write)
measure() {  # url
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/distinct_addresses.lua" "$1" > "$work/wrk.out" 2>&1 || {
    cat "$work/wrk.out" >&2
    exit 1
  }
  awk '
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" { v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v)
                  p99 = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : (unit == "m") ? v * 60000 : v }
    /Non-2xx or 3xx responses:/ { bad = $5 }
    /Socket errors:/ { errors = $4 + $6 + $8; timeouts = $10 }
    END { printf "%s %.3f %d %d %d\n", rps + 0, p99 + 0, bad + 0, errors + 0, timeouts + 0 }
  ' "$work/wrk.out"
}

start_ceiling() {  # body file; sets cport
  rm -f "$work/ceiling_port"
  "$ceiling" "$1" "$work/ceiling_port" 8 > /dev/null 2> "$work/ceiling.log" &
  pids+=($!)
  wait_for_file "$work/ceiling_port" http_ceiling_server
  cport=$(cat "$work/ceiling_port")
}

echo "HTTP API, wrk -t2 -c$connections -d${seconds}s, distinct X-Forwarded-For per request, $(nproc) cores"
status=0
report() {  # name, aotfd result, ceiling result, body file
  read -r a_rps a_p99 a_bad a_err a_timeouts <<< "$2"
  read -r c_rps c_p99 c_bad c_err c_timeouts <<< "$3"
  ratio=$(awk -v a="$a_rps" -v c="$c_rps" 'BEGIN { printf "%.0f", (c > 0 ? 100 * a / c : 0) }')
  printf '%-22s aotfd %9.0f req/s  p99 %7.2f ms | ceiling %9.0f req/s  p99 %7.2f ms | %3s%% of the ceiling (goal >= 70%%), %d-byte answers\n' \
    "$1" "$a_rps" "$a_p99" "$c_rps" "$c_p99" "$ratio" "$(wc -c < "$4")"
  if ((a_bad + c_bad > 0 || a_err + c_err > 0)); then
    echo "  non-2xx answers: aotfd $a_bad, ceiling $c_bad; socket errors: aotfd $a_err, ceiling $c_err" >&2
    status=1
  fi
  if ((a_timeouts + c_timeouts > 0)); then
    echo "  answers slower than wrk's 2 s timeout: aotfd $a_timeouts, ceiling $c_timeouts" >&2
  fi
  if awk -v a="$a_rps" -v c="$c_rps" 'BEGIN { exit !(a <= 0 || c <= 0) }'; then status=1; fi
}

a=$(measure "http://127.0.0.1:$port$query")
start_ceiling "$work/query.json"
c=$(measure "http://127.0.0.1:$cport$query")
report "GET /query (finished)" "$a" "$c" "$work/query.json"

a=$(measure "http://127.0.0.1:$port/stats")
start_ceiling "$work/stats.json"
c=$(measure "http://127.0.0.1:$cport/stats")
report "GET /stats" "$a" "$c" "$work/stats.json"
exit $status
