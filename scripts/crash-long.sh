#!/bin/sh
# The crash harness, long form: 200 SIGKILLs of the broker under a stream
# of publishes (tests/crash/crash.c), then the counts of published, acked,
# stored, duplicates and lost. Usage: scripts/crash-long.sh [BUILD_DIR] [KILLS]
# (default build, 200). $HUB_CRASH_SEED repeats a run's kill schedule.
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
KILLS=${2:-${HUB_CRASH_KILLS:-200}}
if [ ! -x "$BUILD/tests/test_crash" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target test_crash cyclehubd cyclehub_cli
fi
HUB_BIN_DIR=$(cd "$BUILD" && pwd) HUB_SRC_DIR=$(pwd) \
    exec "$BUILD/tests/test_crash" --kills "$KILLS"
