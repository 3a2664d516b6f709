#!/usr/bin/env bash
# bench/peers.sh: measure loadtest's load generator against its peers (vegeta's CLI, hey, wrk),
# its flows against the same requests as a requests: scenario, and the bundled server against a
# bare net/http server, in one run on this machine, on 127.0.0.1 only, and print every measure as
# a ratio with its target in one Markdown table. docs/performance.md explains each measure, the
# targets (issue 23) and how to reproduce them, and keeps the latest figures.
#
# Speeds are only ever compared within one run: the machine may be shared and noisy, so every
# measurement is repeated ROUNDS times, the contenders take turns within each round (the order
# rotates from round to round), and the ratios compare medians. The raw runs are printed above
# the table, with the load average after every round.
#
#   bench/peers.sh                          # the full run: about 20 minutes on 2 busy cores
#   QUICK=1 bench/peers.sh                  # a check of the script itself: 1 short round, small runs
#   CONNS=100 SECONDS_MAX=20 ROUNDS=5 bench/peers.sh
#   LOADTEST_BIN=/tmp/lt bench/peers.sh     # measure that binary instead of building one
#   BASELINE_BIN=/tmp/lt-old bench/peers.sh # also measure an older build, as "baseline"
#   RSS_LONG=0 bench/peers.sh               # skip the long memory run
#   TABLE=table.md bench/peers.sh           # also write the final table (and its header) there
#
# Options (environment variables; QUICK=1 changes the defaults marked *):
#   CONNS          connections of every generator (default 50)
#   ROUNDS*        rounds of each measure (3; quick 1)
#   SECONDS_MAX*   seconds of each max-throughput run (10; quick 2)
#   WARMUP*        seconds of load on the server before the first measurement (3; quick 1)
#   FIXED_RATE     requests per second of the CPU measures (10000)
#   FIXED_SECONDS* seconds of each CPU measure (5; quick 2)
#   RSS_REQUESTS*  requests of the max-rate memory run (1000000; quick 100000)
#   RSS_LONG*      the long memory run is RSS_LONG times as many requests; 0 skips it (5; quick 2)
#   LOADTEST_BIN, BASELINE_BIN, TABLE: above
#
# Every tool gets the same number of connections and no more requests in flight than that:
#   loadtest --connections N (a flow: max_sessions N); vegeta -workers N -max-workers N
#   -connections N -max-connections N (without -max-workers, vegeta adds a worker whenever all are
#   busy and cannot hold a fixed rate: thousands of goroutines and connections); hey -c N;
#   wrk -c N -t 2. CPU is user+sys of the generator's process (/usr/bin/time), start-up included.
#
# Needs: go, python3, /usr/bin/time (Debian package "time"); vegeta, hey and wrk when present
#   go install github.com/tsenart/vegeta/v12@v12.13.0; go install github.com/rakyll/hey@v0.1.5;
#   apt-get install wrk
# A measure whose tool is missing is a "skipped" row of the table. The script exits 0 whether
# or not the targets are met: it reports, CI does not gate on it (see .ci/run for the RSS gate).
set -euo pipefail
case ${TABLE:-} in "" | /*) ;; *) TABLE="$PWD/$TABLE" ;; esac # relative to where it was run
cd "$(dirname "$0")/.."

if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then quick=1; else quick=; fi
CONNS=${CONNS:-50}
ROUNDS=${ROUNDS:-${quick:+1}}; ROUNDS=${ROUNDS:-3}
SECONDS_MAX=${SECONDS_MAX:-${quick:+2}}; SECONDS_MAX=${SECONDS_MAX:-10}
WARMUP=${WARMUP:-${quick:+1}}; WARMUP=${WARMUP:-3}
FIXED_RATE=${FIXED_RATE:-10000}
FIXED_SECONDS=${FIXED_SECONDS:-${quick:+2}}; FIXED_SECONDS=${FIXED_SECONDS:-5}
RSS_REQUESTS=${RSS_REQUESTS:-${quick:+100000}}; RSS_REQUESTS=${RSS_REQUESTS:-1000000}
RSS_LONG=${RSS_LONG:-${quick:+2}}; RSS_LONG=${RSS_LONG:-5}
PATH="$PATH:$(go env GOPATH)/bin"

out=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$out"' EXIT
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
# start NAME CMD...: start a server that prints "listening on URL"; its URL goes to $out/NAME.url
start() {
  local name=$1; shift
  "$@" >"$out/$name.out" 2>"$out/$name.err" &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q '^listening on ' "$out/$name.out" 2>/dev/null && break; sleep 0.1; done
  sed -n 's/^listening on //p' "$out/$name.out" >"$out/$name.url"
  [ -s "$out/$name.url" ] || { echo "$name did not start"; cat "$out/$name.err"; exit 1; }
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(loadavg)
if [ -n "${LOADTEST_BIN:-}" ]; then
  cp "$LOADTEST_BIN" "$out/loadtest"
else
  echo "building loadtest"
  go build -o "$out/loadtest" ./cmd/loadtest
fi
[ -z "${BASELINE_BIN:-}" ] || cp "$BASELINE_BIN" "$out/baseline"
go build -o "$out/bare" ./bench/bare
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit (with local changes)"
[ -z "${LOADTEST_BIN:-}" ] || commit="$LOADTEST_BIN: $("$out/loadtest" version 2>/dev/null | head -1)"

start server "$out/loadtest" server --addr 127.0.0.1:0 --users 1000
start bare "$out/bare" --addr 127.0.0.1:0
base=$(cat "$out/server.url")
url="$base/echo"
bare_url="$(cat "$out/bare.url")/echo"
echo "GET $url" >"$out/targets.txt"
# the flow scenarios and their twins, with max_sessions = CONNS (a session has one request in
# flight: the flows' connection bound, as --connections is the twins')
for s in flow1 requests1 flow4 requests4; do
  sed "s/^max_sessions: .*/max_sessions: $CONNS/" "bench/scenarios/$s.yaml" >"$out/$s.yaml"
done

# the generator of the server-against-bare measure: wrk, else hey, else loadtest
if have wrk; then server_gen=wrk; elif have hey; then server_gen=hey; else server_gen=loadtest; fi
tools=(loadtest)
[ -z "${BASELINE_BIN:-}" ] || tools+=(baseline)
for t in vegeta hey wrk; do have "$t" && tools+=("$t"); done
max_contenders=("${tools[@]}" bare)
cpu_contenders=(loadtest)
[ -z "${BASELINE_BIN:-}" ] || cpu_contenders+=(baseline)
for t in vegeta hey; do have "$t" && cpu_contenders+=("$t"); done
cpu_contenders+=(flow1 requests1 flow4 requests4)
cpu_name=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
machine="$(nproc) CPUs (${cpu_name:-unknown CPU})"
echo "target $url (bare: $bare_url); ${tools[*]}; $CONNS connections; $ROUNDS rounds${quick:+ (QUICK)}"
echo "machine $machine; load average $load_start; commit $commit"

"$out/loadtest" run echo $(nothr "$out/loadtest") --target "$base" --rate 0 --connections "$CONNS" --duration "${WARMUP}s" --quiet >/dev/null
"$out/loadtest" run echo $(nothr "$out/loadtest") --target "${bare_url%/echo}" --rate 0 --connections "$CONNS" --duration "${WARMUP}s" \
  --quiet >/dev/null 2>"$out/warmup.err" || { cat "$out/warmup.err"; exit 1; }

# rps TOOL URL SECONDS FILE: the req/s TOOL reached at max rate against URL, printed; FILE.*
# keep its output
rps() {
  local t=$1 u=$2 s=$3 f=$4
  case $t in
  loadtest | baseline)
    # stderr aside: against the bare server, a note says it has no /stats to sample
    "$out/$t" run echo $(nothr "$out/$t") --target "${u%/echo}" --rate 0 --connections "$CONNS" --duration "${s}s" \
      --quiet --out "$f.json" >/dev/null 2>"$f.err" || { cat "$f.err"; exit 1; }
    json "$f.json" "round(d['rate'])" ;;
  vegeta)
    echo "GET $u" >"$f.targets"
    vegeta attack -targets "$f.targets" -rate 0 -workers "$CONNS" -max-workers "$CONNS" \
      -connections "$CONNS" -max-connections "$CONNS" -duration "${s}s" -output "$f.bin"
    vegeta report -type json "$f.bin" >"$f.json"
    json "$f.json" "round(d['rate'])" ;;
  hey)
    hey -z "${s}s" -c "$CONNS" "$u" >"$f.txt"
    awk '/Requests\/sec/ {printf "%d\n", $2}' "$f.txt" ;;
  wrk)
    wrk -t 2 -c "$CONNS" -d "${s}s" "$u" >"$f.txt"
    awk '/Requests\/sec/ {printf "%d\n", $2}' "$f.txt" ;;
  esac
}

# max_rate CONTENDER ROUND: one max-throughput measurement, appended to $out/max.CONTENDER;
# "bare" is server_gen against the bare server
max_rate() {
  local t=$1 f="$out/max.$1.$2"
  case $t in
  bare) rps "$server_gen" "$bare_url" "$SECONDS_MAX" "$f" >>"$out/max.bare" ;;
  *) rps "$t" "$url" "$SECONDS_MAX" "$f" >>"$out/max.$t" ;;
  esac
  case $t in
  loadtest | baseline) json "$f.json" "d['success_ratio']" >>"$out/ok.$t" ;;
  vegeta) json "$f.json" "d['success']" >>"$out/ok.$t" ;;
  wrk) { grep -o 'Non-2xx or 3xx responses: [0-9]*' "$f.txt" | awk '{print $NF}' || echo 0; } >>"$out/non2xx.$t" ;;
  esac
}

# lt_fixed BIN SCENARIO RATE FILE: a timed loadtest run of SCENARIO at RATE per second
lt_fixed() {
  timed "$4" "$out/$1" run "$2" $(nothr "$out/$1") --target "$base" --rate "$3/s" --connections "$CONNS" \
    --duration "${FIXED_SECONDS}s" --quiet --out "$out/$4.json" >/dev/null
}

# fixed_cpu CONTENDER ROUND: CPU seconds per 1000 requests at FIXED_RATE requests per second,
# appended to $out/cpu.CONTENDER, and the req/s achieved to $out/held.CONTENDER
fixed_cpu() {
  local t=$1 f="fixed.$1.$2" n
  case $t in
  loadtest | baseline) lt_fixed "$t" echo "$FIXED_RATE" "$f" ;;
  flow1 | requests1 | requests4) lt_fixed loadtest "$out/$t.yaml" "$FIXED_RATE" "$f" ;;
  flow4) lt_fixed loadtest "$out/$t.yaml" "$(calc "$FIXED_RATE // 4")" "$f" ;; # 4 requests an iteration
  vegeta)
    timed "$f" vegeta attack -targets "$out/targets.txt" -rate "$FIXED_RATE" -workers "$CONNS" -max-workers "$CONNS" \
      -connections "$CONNS" -max-connections "$CONNS" -duration "${FIXED_SECONDS}s" -output "$out/$f.bin"
    vegeta report -type json "$out/$f.bin" >"$out/$f.json" ;;
  hey)
    timed "$f" hey -z "${FIXED_SECONDS}s" -c "$CONNS" -q "$(calc "$FIXED_RATE / $CONNS")" "$url" >"$out/$f.txt" ;;
  esac
  case $t in
  hey) n=$(awk '/\[200\]/ {print $2}' "$out/$f.txt") ;;
  *) n=$(json "$out/$f.json" "d['requests']") ;;
  esac
  case $t in
  flow*) json "$out/$f.json" "d.get('dropped_iterations', 0)" >>"$out/dropped.$t" ;;
  esac
  calc "f'{$(cpu_of "$f") * 1000 / $n:.4f}'" >>"$out/cpu.$t"
  calc "round($n / $FIXED_SECONDS)" >>"$out/held.$t"
}

# rotate ROUND NAMES...: the names, starting with name number ROUND (mod their count)
rotate() {
  local r=$1; shift
  local names=("$@") i n=$#
  for ((i = 0; i < n; i++)); do echo "${names[$(((i + r) % n))]}"; done
}

printf '\n== max throughput (req/s, higher is better): %d rounds of %ds each; "bare" is %s against the bare net/http server\n' \
  "$ROUNDS" "$SECONDS_MAX" "$server_gen"
for ((r = 0; r < ROUNDS; r++)); do
  for t in $(rotate "$r" "${max_contenders[@]}"); do max_rate "$t" "$r"; done
  echo "  round $((r + 1)) done, load average $(loadavg)"
done
for t in "${max_contenders[@]}"; do
  printf '%-9s median %8s   (runs: %s)\n' "$t" "$(median "$out/max.$t")" "$(values "$out/max.$t")"
done
for t in loadtest baseline vegeta; do
  [ -f "$out/ok.$t" ] && printf '%-9s success ratio per run: %s\n' "$t" "$(values "$out/ok.$t")"
done
[ -f "$out/non2xx.wrk" ] && printf '%-9s non-2xx answers per run: %s\n' wrk "$(values "$out/non2xx.wrk")"

printf '\n== CPU seconds per 1000 requests at %d/s for %ds (lower is better); flow4 at %s iterations/s\n' \
  "$FIXED_RATE" "$FIXED_SECONDS" "$(calc "$FIXED_RATE // 4")"
for ((r = 0; r < ROUNDS; r++)); do
  for t in $(rotate "$r" "${cpu_contenders[@]}"); do fixed_cpu "$t" "$r"; done
  echo "  round $((r + 1)) done, load average $(loadavg)"
done
for t in "${cpu_contenders[@]}"; do
  printf '%-9s median %8s s   (runs: %s; achieved req/s: %s)\n' "$t" "$(median "$out/cpu.$t")" "$(values "$out/cpu.$t")" "$(values "$out/held.$t")"
done
for t in flow1 flow4; do
  printf '%-9s iterations dropped (max_sessions busy) per run: %s\n' "$t" "$(values "$out/dropped.$t")"
done

# rss BIN REQUESTS NAME: peak RSS in MiB of a max-rate run of BIN sized for REQUESTS requests at
# loadtest's median max rate, to $out/NAME.mib, and the requests it sent to $out/NAME.n
rss() {
  local seconds
  seconds=$(calc "max(1, -(-$2 // int($(median "$out/max.loadtest"))))")
  timed "$3" "$out/$1" run echo $(nothr "$out/$1") --target "$base" --rate 0 --connections "$CONNS" \
    --duration "${seconds}s" --quiet --out "$out/$3.json" >/dev/null
  json "$out/$3.json" "d['requests']" >"$out/$3.n"
  calc "f'{$(awk '{print $2}' "$out/$3.time") / 1024:.1f}'" >"$out/$3.mib"
  printf '%-9s %6s MiB peak RSS, %s requests in %ss at --rate 0, load average %s\n' "$1" "$(cat "$out/$3.mib")" "$(cat "$out/$3.n")" "$seconds" "$(loadavg)"
}
printf '\n== peak RSS of max-rate runs of about %d requests (lower is better)\n' "$RSS_REQUESTS"
rss loadtest "$RSS_REQUESTS" rss.loadtest
[ -z "${BASELINE_BIN:-}" ] || rss baseline "$RSS_REQUESTS" rss.baseline
if [ "$RSS_LONG" -gt 0 ]; then
  printf '\n== peak RSS of a max-rate run %d times as long (about %d requests)\n' "$RSS_LONG" "$((RSS_REQUESTS * RSS_LONG))"
  rss loadtest "$((RSS_REQUESTS * RSS_LONG))" rss.long
fi

# row MEASURE SUBJECT FIGURE REFERENCE REF_FIGURE OP BOUND FORMAT: one line of the table, to
# $out/table.md. The ratio is FIGURE / REF_FIGURE (no REFERENCE: the bound applies to FIGURE
# itself); OP is >= or <= (empty: no target); FORMAT is int, cpu or mib. An empty FIGURE or
# REF_FIGURE is a measure that was skipped.
row() {
  python3 - "$@" >>"$out/table.md" <<'PY'
import sys
measure, subject, fig, ref, reffig, op, bound, fmt = sys.argv[1:]
form = {"int": lambda v: f"{v:,.0f}", "cpu": lambda v: f"{v:.4f}", "mib": lambda v: f"{v:.1f}"}[fmt]
def num(s):
    return float(s) if s not in ("", "nan") else None
f, rf, b = num(fig), num(reffig), num(bound)
skipped = f is None or (ref != "" and rf is None)
value = None if skipped else (f / rf if ref else f)
ratio = "" if skipped or not ref else f"{value:.2f}×"
target = f"{ {'>=': '≥', '<=': '≤'}[op]} {bound}{'×' if ref else ' MiB'}" if op else "–"
if skipped:
    result = "skipped"
elif not op:
    result = "–"
else:
    result = "pass" if (value >= b if op == ">=" else value <= b) else "**FAIL**"
cells = [measure, subject, "–" if f is None else form(f), ref or "–",
         "–" if rf is None or not ref else form(rf), ratio or "–", target, result]
print("| " + " | ".join(cells) + " |")
PY
}
med() { [ -f "$out/$1" ] && median "$out/$1" || true; }
mib() { [ -f "$out/$1.mib" ] && cat "$out/$1.mib" || true; }

mx="max throughput, req/s"
cpu="CPU s per 1000 requests at $FIXED_RATE/s"
: >"$out/table.md"
row "$mx" loadtest "$(med max.loadtest)" vegeta "$(med max.vegeta)" ">=" 1.30 int
row "$mx" loadtest "$(med max.loadtest)" hey "$(med max.hey)" ">=" 1.00 int
row "$mx" loadtest "$(med max.loadtest)" wrk "$(med max.wrk)" ">=" 0.85 int
[ -z "${BASELINE_BIN:-}" ] || row "$mx" loadtest "$(med max.loadtest)" baseline "$(med max.baseline)" "" "" int
row "$cpu" loadtest "$(med cpu.loadtest)" vegeta "$(med cpu.vegeta)" "<=" 0.50 cpu
row "$cpu" loadtest "$(med cpu.loadtest)" hey "$(med cpu.hey)" "" "" cpu
[ -z "${BASELINE_BIN:-}" ] || row "$cpu" loadtest "$(med cpu.loadtest)" baseline "$(med cpu.baseline)" "" "" cpu
count() { calc "f'{$(cat "$out/$1.n"):,}'"; }
rss_measure="peak RSS, MiB, $(count rss.loadtest) requests at max rate"
if [ "$RSS_REQUESTS" -ge 1000000 ]; then
  row "$rss_measure" loadtest "$(mib rss.loadtest)" "" "" "<=" 48 mib
else # the target is for a million requests
  row "$rss_measure" loadtest "$(mib rss.loadtest)" "" "" "" "" mib
fi
[ -z "${BASELINE_BIN:-}" ] || row "peak RSS, MiB, max-rate runs of the same length ($(count rss.loadtest) and $(count rss.baseline) requests)" loadtest "$(mib rss.loadtest)" baseline "$(mib rss.baseline)" "" "" mib
if [ -f "$out/rss.long.n" ]; then
  row "peak RSS, MiB, $(count rss.long) requests at max rate (${RSS_LONG}× as long)" "loadtest, long run" "$(mib rss.long)" "the shorter run" "$(mib rss.loadtest)" "<=" 1.05 mib
else
  row "peak RSS of a longer run (RSS_LONG=0)" "loadtest, long run" "" "the shorter run" "" "<=" 1.05 mib
fi
row "$cpu: one-step flow" "flow, GET /echo" "$(med cpu.flow1)" "the same request (requests:)" "$(med cpu.requests1)" "<=" 1.10 cpu
row "$cpu: four-step flow with checks" "flow, 4 steps, 8 checks" "$(med cpu.flow4)" "the same 4 requests (requests:)" "$(med cpu.requests4)" "<=" 1.25 cpu
row "$mx ($server_gen), GET /echo" "loadtest server" "$(med max.$server_gen)" "bare net/http" "$(med max.bare)" ">=" 0.90 int

load_end=$(loadavg)
{
  echo "bench/peers.sh, $started: $machine; load average $load_start at the start, $load_end at the end;"
  echo "commit $commit; $CONNS connections; medians of $ROUNDS round(s)${quick:+ (QUICK: not comparable with full runs)}"
  echo
  echo "| measure | subject | figure | against | its figure | ratio | target | result |"
  echo "|---|---|---|---|---|---|---|---|"
  cat "$out/table.md"
  echo
  echo "$(grep -c '| pass |' "$out/table.md" || true) of $(grep -c -e '| pass |' -e 'FAIL' "$out/table.md" || true) targets met."
  for t in "${cpu_contenders[@]}"; do # a CPU figure is per request at FIXED_RATE: say where it was not held
    held=$(median "$out/held.$t")
    if [ "$(calc "int($held < 0.9 * $FIXED_RATE)")" = 1 ]; then
      echo "- $t held $(calc "f'{$held:,.0f}'") req/s of $FIXED_RATE (median): its CPU per request is of a lower rate."
    fi
  done
} >"$out/final.md"
printf '\n== all measures (same run, same servers, same machine)\n\n'
cat "$out/final.md"
[ -z "${TABLE:-}" ] || cp "$out/final.md" "$TABLE"
