#!/usr/bin/env bash
# bench/coldbuild.sh: what the first `go run ./cmd/loadtest` costs on a fresh machine. Builds
# ./cmd/loadtest with an empty build cache (a temporary GOCACHE; the module cache GOMODCACHE is
# kept, so nothing is downloaded and only compiling and linking are timed) and prints the
# seconds it took, the number of packages it compiled (go list -deps) and the binary's size.
# For the record, not a test: the seconds depend on the machine and on what else runs on it;
# the CPU-seconds (user + system of the compiler and linker) much less so, and divided by the
# number of cores they give the wall-clock time of a quiet machine.
#
#   bench/coldbuild.sh                 # the module this script is in
#   PKG=./cmd/loadtest bench/coldbuild.sh
#
# Needs: go. Prints, e.g.:
#   cold build of ./cmd/loadtest: 215 s (390 CPU-seconds), 600 packages (52 k8s.io), binary 58.1 MB (41.0 MB stripped), 2 CPUs, load average 0.10 0.20 0.30 at the start
# The load average says how busy the machine was: compare runs made at a similar load.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=${PKG:-./cmd/loadtest}
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

go mod download # the module cache is kept: time compiling, not downloading
pkgs=$(go list -deps "$PKG" | wc -l)
k8s=$(go list -deps "$PKG" | grep -c 'k8s\.io/' || true) # k8s.io/ and sigs.k8s.io/

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
TIMEFORMAT='%R %U %S' # wall-clock, user and system seconds of go build and its children
{ time GOCACHE="$tmp/cache" go build -o "$tmp/loadtest" "$PKG"; } 2>"$tmp/time"
read -r real user sys <"$tmp/time"
GOCACHE="$tmp/cache" go build -ldflags "-s -w" -o "$tmp/loadtest-stripped" "$PKG"

mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
secs=$(awk -v r="$real" 'BEGIN { printf "%.0f", r }')
cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", u + s }')
echo "cold build of $PKG: $secs s ($cpu CPU-seconds), $pkgs packages ($k8s k8s.io), binary $(mb "$tmp/loadtest") ($(mb "$tmp/loadtest-stripped") stripped), $(nproc) CPUs, load average $load at the start"
