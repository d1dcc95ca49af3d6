#!/usr/bin/env bash
# make bench: every figure in one run, so that the machine's speed cancels in
# the ratios. The peers first (bench_peers: fdatasync, NATS, Mosquitto), then
# the hub with its ceilings (bench_hub), its HTTP front end (bench_http) and
# its store beside raw LMDB (bench_store); then one table of each hub figure
# against its ceiling or peer of this run and the target of issue 16.
#   scripts/bench.sh [BUILD]            BUILD defaults to build
#   BENCH_ARGS=--quick                  a smoke run (seconds, not minutes)
#   BENCH_ARGS=--tsv                    only metric<TAB>value<TAB>unit lines
#   BENCH_STORE_EVENTS=N                bench_store's event count
# Exits 1 if a program failed or a hub figure is missing (a peer that is not
# installed is reported, not a failure).
set -uo pipefail
build=${1:-build}
quick=""; tsv=""
for arg in ${BENCH_ARGS:-}; do
  case $arg in
    --quick) quick=--quick ;;
    --tsv) tsv=1 ;;
    *) echo "bench: unknown BENCH_ARGS word $arg (--quick, --tsv)" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
figures=$(mktemp "${TMPDIR:-/tmp}/cyclehub-bench-XXXXXX.tsv")
trap 'rm -f "$figures"' EXIT
status=0

run() {   # run NAME ARGS...: its TSV lines into $figures (and to the screen)
  local name=$1; shift
  [ -n "$tsv" ] || echo "== $name $*" >&2
  "$build/bench/$name" "$@" --tsv | tee -a "$figures"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    echo "bench: $name exited with status $rc" >&2
    status=1
  fi
}

run bench_peers $quick
run bench_hub $quick
run bench_http $quick
run bench_store $quick ${BENCH_STORE_EVENTS:-}

if [ -z "$tsv" ]; then
  echo
  awk -f "$here/bench-table.awk" "$figures" || status=1
fi
exit $status
