#!/usr/bin/env bash
# bench/peers.sh: measure loadtest's load generator against its peers (vegeta's CLI, hey, wrk) in
# one run on this machine, against the same bundled reference server on 127.0.0.1, and print
# ratios. Speeds are only ever compared within one run: the machine is shared and noisy, so
# every measurement is repeated ROUNDS times, the tools take turns within each round (the order
# rotates from round to round), and the ratios compare medians.
#
#   bench/peers.sh                  # defaults: 50 connections, 3 rounds of 10 s per max-rate run
#   CONNS=100 SECONDS_MAX=20 ROUNDS=5 bench/peers.sh
#   LOADTEST_BIN=/tmp/lt bench/peers.sh             # measure that binary instead of building one
#   BASELINE_BIN=/tmp/lt-old bench/peers.sh         # also measure an older build, as "baseline"
#
# Every tool gets the same number of connections and no more requests in flight than that:
#   loadtest --connections N; vegeta -workers N -max-workers N -connections N -max-connections N
#   (without -max-workers, vegeta adds a worker whenever all are busy and cannot hold a fixed
#   rate: thousands of goroutines and connections); hey -c N; wrk -c N -t 2.
# The server is warmed up (WARMUP seconds of load, not measured) before the first measurement.
# CPU is user+sys of the generator's process (/usr/bin/time), so it includes its start-up.
#
# Needs: go, python3, /usr/bin/time (Debian package "time"); vegeta, hey and wrk when present
#   go install github.com/tsenart/vegeta/v12@v12.13.0; go install github.com/rakyll/hey@v0.1.5;
#   apt-get install wrk
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-50}
SECONDS_MAX=${SECONDS_MAX:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3}
FIXED_RATE=${FIXED_RATE:-10000}
FIXED_SECONDS=${FIXED_SECONDS:-5}
RSS_REQUESTS=${RSS_REQUESTS:-1000000}
PATH="$PATH:$(go env GOPATH)/bin"

out=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$out"' EXIT
have() { command -v "$1" >/dev/null 2>&1; }
# json FILE EXPR: evaluate EXPR with d = the JSON document in FILE
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$@"; }
calc() { python3 -c "print($1)"; }
# median FILE: the median of the numbers in FILE, one a line
median() { python3 -c "import statistics,sys; v=[float(x) for x in open(sys.argv[1]) if x.strip()]; print(f'{statistics.median(v):.6g}' if v else 'nan')" "$1"; }
values() { tr '\n' ' ' <"$1"; }
# timed NAME CMD...: run CMD under /usr/bin/time; its CPU seconds (user+sys) and peak RSS in KiB
# go to $out/NAME.time as "cpu rss"
timed() {
  local name=$1; shift
  /usr/bin/time -f '%U %S %M' -o "$out/$name.rawtime" "$@"
  awk '{print $1 + $2, $3}' "$out/$name.rawtime" >"$out/$name.time"
}
cpu_of() { awk '{print $1}' "$out/$1.time"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# nothr BIN: --no-thresholds when BIN has it (a scenario's thresholds are not the bench's business:
# a breach would exit 99 and stop the script), nothing for older builds
nothr() { "$1" run --help 2>&1 | grep -q -- '--no-thresholds' && echo --no-thresholds || true; }

if [ -n "${LOADTEST_BIN:-}" ]; then
  cp "$LOADTEST_BIN" "$out/loadtest"
else
  echo "building loadtest"
  go build -o "$out/loadtest" ./cmd/loadtest
fi
[ -z "${BASELINE_BIN:-}" ] || cp "$BASELINE_BIN" "$out/baseline"
"$out/loadtest" server --addr 127.0.0.1:0 --users 1000 >"$out/server.out" 2>"$out/server.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on ' "$out/server.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$out/server.out")
[ -n "$base" ] || { echo "server did not start"; cat "$out/server.err"; exit 1; }
url="$base/echo"
echo "GET $url" >"$out/targets.txt"
tools=(loadtest)
[ -z "${BASELINE_BIN:-}" ] || tools+=(baseline)
for t in vegeta hey wrk; do have "$t" && tools+=("$t"); done
echo "target $url; ${tools[*]}; $CONNS connections; $ROUNDS rounds; $(nproc) CPUs; load average $(loadavg)"

"$out/loadtest" run echo $(nothr "$out/loadtest") --target "$base" --rate 0 --connections "$CONNS" --duration "${WARMUP}s" --quiet >/dev/null

# max_rate TOOL ROUND: one max-throughput measurement, appended to $out/max.TOOL
max_rate() {
  local t=$1 r=$2 f="$out/max.$1.$2"
  case $t in
  loadtest | baseline)
    "$out/$t" run echo $(nothr "$out/$t") --target "$base" --rate 0 --connections "$CONNS" --duration "${SECONDS_MAX}s" --quiet --out "$f.json" >/dev/null
    json "$f.json" "round(d['rate'])" >>"$out/max.$t"
    json "$f.json" "d['success_ratio']" >>"$out/ok.$t" ;;
  vegeta)
    vegeta attack -targets "$out/targets.txt" -rate 0 -workers "$CONNS" -max-workers "$CONNS" \
      -connections "$CONNS" -max-connections "$CONNS" -duration "${SECONDS_MAX}s" -output "$f.bin"
    vegeta report -type json "$f.bin" >"$f.json"
    json "$f.json" "round(d['rate'])" >>"$out/max.$t"
    json "$f.json" "d['success']" >>"$out/ok.$t" ;;
  hey)
    hey -z "${SECONDS_MAX}s" -c "$CONNS" "$url" >"$f.txt"
    awk '/Requests\/sec/ {printf "%d\n", $2}' "$f.txt" >>"$out/max.$t" ;;
  wrk)
    wrk -t 2 -c "$CONNS" -d "${SECONDS_MAX}s" "$url" >"$f.txt"
    awk '/Requests\/sec/ {printf "%d\n", $2}' "$f.txt" >>"$out/max.$t" ;;
  esac
}

# fixed_cpu TOOL ROUND: CPU seconds per 1000 requests at FIXED_RATE, appended to $out/cpu.TOOL
fixed_cpu() {
  local t=$1 f="$out/fixed.$1.$2" n
  case $t in
  loadtest | baseline)
    timed "$t" "$out/$t" run echo $(nothr "$out/$t") --target "$base" --rate "${FIXED_RATE}/s" --connections "$CONNS" \
      --duration "${FIXED_SECONDS}s" --quiet --out "$f.json" >/dev/null
    n=$(json "$f.json" "d['requests']") ;;
  vegeta)
    timed "$t" vegeta attack -targets "$out/targets.txt" -rate "$FIXED_RATE" -workers "$CONNS" -max-workers "$CONNS" \
      -connections "$CONNS" -max-connections "$CONNS" -duration "${FIXED_SECONDS}s" -output "$f.bin"
    n=$(vegeta report -type json "$f.bin" | python3 -c "import json,sys; print(json.load(sys.stdin)['requests'])") ;;
  hey)
    timed "$t" hey -z "${FIXED_SECONDS}s" -c "$CONNS" -q "$(calc "$FIXED_RATE / $CONNS")" "$url" >"$f.txt"
    n=$(awk '/\[200\]/ {print $2}' "$f.txt") ;;
  *) return ;;
  esac
  calc "f'{$(cpu_of "$t") * 1000 / $n:.4f}'" >>"$out/cpu.$t"
  calc "round($n / $FIXED_SECONDS)" >>"$out/held.$t"
}

# rotate ROUND: the tools, starting with tool number ROUND (mod their count)
rotate() {
  local i n=${#tools[@]}
  for ((i = 0; i < n; i++)); do echo "${tools[$(((i + $1) % n))]}"; done
}

printf '\n== max throughput (req/s, higher is better): %d rounds of %ds each\n' "$ROUNDS" "$SECONDS_MAX"
for ((r = 0; r < ROUNDS; r++)); do
  for t in $(rotate "$r"); do max_rate "$t" "$r"; done
  echo "  round $((r + 1)) done, load average $(loadavg)"
done
for t in "${tools[@]}"; do
  printf '%-9s median %8s   (runs: %s)\n' "$t" "$(median "$out/max.$t")" "$(values "$out/max.$t")"
done
for t in loadtest baseline vegeta; do
  [ -f "$out/ok.$t" ] && printf '%-9s success ratio per run: %s\n' "$t" "$(values "$out/ok.$t")"
done

printf '\n== CPU seconds per 1000 requests at %d/s for %ds (lower is better)\n' "$FIXED_RATE" "$FIXED_SECONDS"
for ((r = 0; r < ROUNDS; r++)); do
  for t in $(rotate "$r"); do fixed_cpu "$t" "$r"; done
done
for t in loadtest baseline vegeta hey; do
  [ -f "$out/cpu.$t" ] || continue
  printf '%-9s median %8s s   (runs: %s; achieved req/s: %s)\n' "$t" "$(median "$out/cpu.$t")" "$(values "$out/cpu.$t")" "$(values "$out/held.$t")"
done

printf '\n== peak RSS of a run of %d requests\n' "$RSS_REQUESTS"
lt_max=$(median "$out/max.loadtest")
rss_rate=$(calc "int($lt_max * 0.9)")
rss_seconds=$(calc "-(-$RSS_REQUESTS // $rss_rate)")
timed rss "$out/loadtest" run echo $(nothr "$out/loadtest") --target "$base" --rate "${rss_rate}/s" --connections "$CONNS" \
  --duration "${rss_seconds}s" --quiet --out "$out/rss.json" >/dev/null
rss_n=$(json "$out/rss.json" "d['requests']")
rss_mib=$(calc "f'{$(awk '{print $2}' "$out/rss.time") / 1024:.1f}'")
echo "loadtest  $rss_mib MiB peak RSS for $rss_n requests at ${rss_rate}/s (target <= 64 MiB for 1,000,000)"

printf '\n== ratios of medians (same run, same server, same machine; load average now %s)\n' "$(loadavg)"
ratio() { calc "f'{$(median "$out/$1.loadtest") / $(median "$out/$1.$2"):.2f}'"; }
[ -f "$out/max.vegeta" ] && echo "max throughput  loadtest/vegeta = $(ratio max vegeta) (target >= 1.30)"
[ -f "$out/max.hey" ] && echo "max throughput  loadtest/hey    = $(ratio max hey) (target >= 1.00)"
[ -f "$out/max.baseline" ] && echo "max throughput  loadtest/baseline = $(ratio max baseline)"
[ -f "$out/max.wrk" ] && echo "max throughput  loadtest/wrk    = $(ratio max wrk) (for reference; wrk is C)"
[ -f "$out/cpu.vegeta" ] && echo "CPU per request loadtest/vegeta = $(ratio cpu vegeta) (target <= 0.50)"
[ -f "$out/cpu.hey" ] && echo "CPU per request loadtest/hey    = $(ratio cpu hey) (for reference)"
[ -f "$out/cpu.baseline" ] && echo "CPU per request loadtest/baseline = $(ratio cpu baseline)"
echo "peak RSS        $rss_mib MiB for $rss_n requests (target <= 64)"
