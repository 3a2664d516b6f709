#!/usr/bin/env bash
# Runs engine/testdata/flows-100k-sessions.yaml against a bundled server on 127.0.0.1 and
# prints the generator's RSS (VmRSS, MiB) and open files (its connections) every second, then
# its peak RSS and CPU, the result's success ratio and whether its requests add up to the
# server's count of them.
#
#   engine/testdata/flows-100k-sessions.sh [BINARY]   (default: loadtest on PATH)
#   RATE=4000/s THINK=25s DURATION=60s engine/testdata/flows-100k-sessions.sh /tmp/loadtest
set -euo pipefail
bin=${1:-loadtest}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

sed "s/think: 5s/think: ${THINK:-5s}/" "$here/flows-100k-sessions.yaml" >"$work/s.yaml"
"$bin" server --addr 127.0.0.1:0 --users 1000 >"$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/server.log" && break; sleep 0.2; done
url=$(grep -o 'http://[0-9.:]*' "$work/server.log" | head -1)
count() { curl -s "$url/metrics" | awk '/^loadtest_server_requests_total.*echo/ {s += $NF} END {printf "%d\n", s}'; }
before=$(count)

/usr/bin/time -f '%U %S %M' -o "$work/time" "$bin" run "$work/s.yaml" --target "$url" --quiet --no-thresholds \
	--server-stats=false --rate "${RATE:-20000/s}" --duration "${DURATION:-25s}" --out "$work/r.json" >/dev/null 2>"$work/run.err" &
gen=$!
sleep 0.2
start=$(date +%s.%N)
while kill -0 "$gen" 2>/dev/null; do
	pid=$(pgrep -P "$gen" | head -1 || true)
	rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/${pid:-none}/status" 2>/dev/null || echo 0)
	fds=$(ls "/proc/${pid:-none}/fd" 2>/dev/null | wc -l)
	printf 't=%.0fs rss=%sMiB fds=%s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "${rss:-0}" "$fds"
	sleep 1
done
rc=0
wait "$gen" || rc=$?
echo "run exited $rc"
tail -5 "$work/run.err"
after=$(count || echo 0)
read -r user sys maxrss < <(tail -1 "$work/time") # time says first when the run failed
jq -r --arg srv "$((after - before))" --arg user "$user" --arg sys "$sys" --arg maxrss "$maxrss" '
	"requests \(.requests) successes \(.successes) ratio \(.success_ratio // (.successes / .requests))",
	"server counted \($srv) (equal: \((.requests|tostring) == $srv))",
	"iterations \(.iterations) completed \(.iterations_completed) failed \(.iterations_failed) dropped \(.dropped_iterations)",
	"errors \([.errors[]? | "\(.count // .n) \(.class // "") \(.message // .sample // "")"][:3])",
	"cpu user \($user)s sys \($sys)s, peak RSS \(($maxrss|tonumber)/1024|floor) MiB (time -f %M)"' "$work/r.json"
