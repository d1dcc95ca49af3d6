#!/bin/sh
# The broker's instructions per durable publish, counted by callgrind: the
# same figure whatever else the machine is doing (docs/performance.md,
# "Instructions per publish"), so a change to the publish path can be
# judged on a machine whose speed drifts by 2x between runs.
#
# Runs `bench_hub --quick --only replay` (4 publishers, 40,000 publishes,
# then two replays) against cyclehubd under callgrind, and adds up the
# broker's publish path: receiving and checking (s_drain), the writer's
# commits (s_writer_actor) and the replies and publishing after a commit
# (hub_ingest_committed). Replay (the reader thread) is printed apart.
# Usage: scripts/callgrind-publish.sh [BUILD_DIR] [CYCLEHUBD]
#   CYCLEHUBD defaults to BUILD_DIR/broker/cyclehubd: give another binary
#   (a copy of an older build) to compare the two. KEEP=1 keeps the work
#   directory (callgrind.out, annotate.out) to read the breakdown.
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
VALGRIND=$(command -v valgrind) || { echo "valgrind is not installed" >&2; exit 2; }
cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target cyclehubd bench_hub >/dev/null
BROKER=$(cd "$(dirname "${2:-$BUILD/broker/cyclehubd}")" && pwd)/$(basename "${2:-cyclehubd}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cyclehub-callgrind-XXXXXX")
[ -n "$KEEP" ] || trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/broker" <<EOF
#!/bin/sh
exec "$VALGRIND" --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$BROKER" "\$@"
EOF
chmod +x "$WORK/broker"
"$BUILD/bench/bench_hub" --quick --tsv --only replay --broker "$WORK/broker" > "$WORK/bench.out" 2>&1 \
    || { cat "$WORK/bench.out" >&2; exit 1; }
callgrind_annotate --inclusive=yes "$WORK/callgrind.out" > "$WORK/annotate.out"
# The inclusive count of a function of the broker, from its listing line
count () {
    # (the source path is absolute or relative to the build, as it was compiled)
    sed -n "s|^ *\([0-9,]*\) ([ 0-9.]*%)  \([^ ]*/\)\{0,1\}broker/$1 \[.*|\1|p" "$WORK/annotate.out" \
        | head -1 | tr -d ,
}
drain=$(count "hub_ingest.c:s_drain")
writer=$(count "hub_ingest.c:s_writer_actor")
committed=$(count "hub_ingest.c:hub_ingest_committed")
reader=$(count "hub_reader.c:hub_reader_actor")
if [ -z "$drain" ] || [ -z "$writer" ] || [ -z "$committed" ] || [ -z "$reader" ]; then
    echo "callgrind-publish: the broker's functions are not in callgrind's listing" \
         "($WORK/annotate.out): was the broker built with symbols?" >&2
    trap - EXIT
    exit 1
fi
publishes=40000
printf 'broker_instructions_per_publish\t%s\tinstructions\n' $(( (drain + writer + committed) / publishes ))
printf '  check (s_drain)\t%s\n' $(( drain / publishes ))
printf '  commit (s_writer_actor)\t%s\n' $(( writer / publishes ))
printf '  reply and publish (hub_ingest_committed)\t%s\n' $(( committed / publishes ))
printf 'broker_instructions_replay\t%s\tinstructions, reader thread, both replays\n' "$reader"
