#!/usr/bin/env bash
# bench/peers.sh: measure loadtest's load generator against its peers (vegeta's CLI, hey, wrk) in
# one run on this machine, against the same bundled reference server on 127.0.0.1, and print
# ratios. Speeds are only ever compared within one run: the machine is shared and noisy.
#
#   bench/peers.sh                  # defaults: 50 connections, 10 s per max-rate measurement
#   CONNS=100 SECONDS_MAX=20 bench/peers.sh
#
# Needs: go, python3, /usr/bin/time (Debian package "time"); vegeta, hey and wrk when present
#   go install github.com/tsenart/vegeta/v12@v12.13.0; go install github.com/rakyll/hey@v0.1.5;
#   apt-get install wrk
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-50}
SECONDS_MAX=${SECONDS_MAX:-10}
FIXED_RATE=${FIXED_RATE:-10000}
FIXED_SECONDS=${FIXED_SECONDS:-5}
RSS_REQUESTS=${RSS_REQUESTS:-1000000}
PATH="$PATH:$(go env GOPATH)/bin"

out=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT
have() { command -v "$1" >/dev/null 2>&1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$@"; }
# usage: cpu_rss FILE -> "user+sys seconds" "max RSS KiB" from /usr/bin/time -f '%U %S %M'
cpu_of() { awk '{print $1 + $2}' "$1"; }
rss_of() { awk '{print $3}' "$1"; }

echo "building loadtest"
go build -o "$out/loadtest" ./cmd/loadtest
"$out/loadtest" server --addr 127.0.0.1:0 --users 1000 >"$out/server.out" 2>"$out/server.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on ' "$out/server.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$out/server.out")
[ -n "$base" ] || { echo "server did not start"; cat "$out/server.err"; exit 1; }
url="$base/echo"
echo "target $url, $CONNS connections, ${SECONDS_MAX}s per max-rate run"
echo "GET $url" >"$out/targets.txt"

printf '\n== max throughput (req/s, higher is better)\n'
"$out/loadtest" run echo --target "$base" --rate 0 --connections "$CONNS" --duration "${SECONDS_MAX}s" --quiet --out "$out/lt.json" >/dev/null
lt_max=$(json "$out/lt.json" "round(d['rate'])")
echo "loadtest  $lt_max"
ratios=()
if have vegeta; then
  vegeta attack -targets "$out/targets.txt" -rate 0 -workers "$CONNS" -max-workers "$CONNS" -connections "$CONNS" -duration "${SECONDS_MAX}s" -output "$out/vegeta.bin"
  vegeta report -type json "$out/vegeta.bin" >"$out/vegeta.json"
  v_max=$(json "$out/vegeta.json" "round(d['rate'])")
  echo "vegeta    $v_max"
  ratios+=("max throughput loadtest/vegeta = $(python3 -c "print(f'{$lt_max/$v_max:.2f}')") (target >= 1.30)")
fi
if have hey; then
  h_max=$(hey -z "${SECONDS_MAX}s" -c "$CONNS" "$url" | awk '/Requests\/sec/ {printf "%d", $2}')
  echo "hey       $h_max"
  ratios+=("max throughput loadtest/hey    = $(python3 -c "print(f'{$lt_max/$h_max:.2f}')") (target >= 1.00)")
fi
if have wrk; then
  w_max=$(wrk -t 2 -c "$CONNS" -d "${SECONDS_MAX}s" "$url" | awk '/Requests\/sec/ {printf "%d", $2}')
  echo "wrk       $w_max"
  ratios+=("max throughput loadtest/wrk    = $(python3 -c "print(f'{$lt_max/$w_max:.2f}')") (for reference; wrk is C)")
fi

printf '\n== CPU seconds per 1000 requests at %d/s for %ds (lower is better)\n' "$FIXED_RATE" "$FIXED_SECONDS"
/usr/bin/time -f '%U %S %M' -o "$out/lt.time" "$out/loadtest" run echo --target "$base" --rate "${FIXED_RATE}/s" --connections "$CONNS" --duration "${FIXED_SECONDS}s" --quiet --out "$out/lt2.json" >/dev/null
lt_n=$(json "$out/lt2.json" "d['requests']")
lt_cpu=$(python3 -c "print(f'{$(cpu_of "$out/lt.time")*1000/$lt_n:.4f}')")
echo "loadtest  $lt_cpu s ($lt_n requests)"
if have vegeta; then
  /usr/bin/time -f '%U %S %M' -o "$out/v.time" vegeta attack -targets "$out/targets.txt" -rate "$FIXED_RATE" -connections "$CONNS" -duration "${FIXED_SECONDS}s" -output "$out/v2.bin"
  v_n=$(vegeta report -type json "$out/v2.bin" | python3 -c "import json,sys; print(json.load(sys.stdin)['requests'])")
  v_cpu=$(python3 -c "print(f'{$(cpu_of "$out/v.time")*1000/$v_n:.4f}')")
  echo "vegeta    $v_cpu s ($v_n requests)"
  ratios+=("CPU per request loadtest/vegeta = $(python3 -c "print(f'{$lt_cpu/$v_cpu:.2f}')") (target <= 0.50)")
fi
if have hey; then
  per_worker=$(( FIXED_RATE / CONNS ))
  /usr/bin/time -f '%U %S %M' -o "$out/h.time" hey -z "${FIXED_SECONDS}s" -c "$CONNS" -q "$per_worker" "$url" >"$out/hey2.txt"
  h_n=$(awk '/\[200\]/ {print $2}' "$out/hey2.txt")
  h_cpu=$(python3 -c "print(f'{$(cpu_of "$out/h.time")*1000/$h_n:.4f}')")
  echo "hey       $h_cpu s ($h_n requests)"
  ratios+=("CPU per request loadtest/hey    = $(python3 -c "print(f'{$lt_cpu/$h_cpu:.2f}')")")
fi

printf '\n== peak RSS of a run of %d requests\n' "$RSS_REQUESTS"
rss_rate=$(( lt_max * 9 / 10 ))
rss_seconds=$(( (RSS_REQUESTS + rss_rate - 1) / rss_rate ))
/usr/bin/time -f '%U %S %M' -o "$out/rss.time" "$out/loadtest" run echo --target "$base" --rate "${rss_rate}/s" --connections "$CONNS" --duration "${rss_seconds}s" --quiet --out "$out/lt3.json" >/dev/null
rss_n=$(json "$out/lt3.json" "d['requests']")
rss_mib=$(python3 -c "print(f'{$(rss_of "$out/rss.time")/1024:.1f}')")
echo "loadtest  $rss_mib MiB peak RSS for $rss_n requests (target <= 64 MiB for 1,000,000)"

printf '\n== ratios (same run, same server, same machine)\n'
for r in "${ratios[@]}"; do echo "$r"; done
