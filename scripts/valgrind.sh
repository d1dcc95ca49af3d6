#!/bin/sh
# Runs end-to-end tests with their broker under valgrind (memcheck, full leak
# check), through tests/hub_proc.h's $HUB_BROKER_WRAPPER hook, and reports
# each broker run's error summary and leaks. Tests that start cyclehubd
# through hub_proc.h are covered (test_broker and test_security start their
# own and are not).
# Usage: scripts/valgrind.sh [BUILD_DIR] [TEST...]
#   default tests: test_client_async test_client_subscribe test_cli_errors test_hostile
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ $# -gt 0 ] && shift
TESTS=${*:-test_client_async test_client_subscribe test_cli_errors test_hostile}
VALGRIND=$(command -v valgrind) || { echo "valgrind is not installed" >&2; exit 2; }
cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/cyclehub-valgrind-XXXXXX")
export HUB_BROKER_WRAPPER="$VALGRIND --leak-check=full --error-exitcode=99 --errors-for-leak-kinds=definite --num-callers=30 --log-file=$LOGS/broker.%p.log"
export HUB_BIN_DIR=$(cd "$BUILD" && pwd) HUB_SRC_DIR=$(pwd)
status=0
for t in $TESTS; do
    before=$(ls "$LOGS" | wc -l)
    if "$BUILD/tests/$t" > "$LOGS/$t.out" 2>&1; then result=passed; else result=FAILED; status=1; fi
    echo "$t: $result ($(tail -1 "$LOGS/$t.out"))"
done
echo "broker runs under valgrind: $(ls "$LOGS"/broker.*.log 2>/dev/null | wc -l)"
for log in "$LOGS"/broker.*.log; do
    [ -f "$log" ] || continue
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
    definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
    indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
    possible=$(sed -n 's/.*possibly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
    echo "  $(basename "$log"): errors ${errors:-?}, definitely lost ${definite:-0}, indirectly ${indirect:-0}, possibly ${possible:-0}"
    [ "${errors:-0}" = 0 ] || status=1
done
echo "logs in $LOGS"
exit $status
