#!/bin/sh
# The soak: one broker on a temp store under a steady mixed load (two paced
# publishers, a subscriber, a history reader: tests/soak/soak.c) for
# $SOAK_SECONDS (default 300), printing the broker's RSS every 10 s and the
# first, last and largest at the end. Not part of make test.
# Usage: scripts/soak.sh [BUILD_DIR]   ($SOAK_RATE: publishes/s per publisher)
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target hub_soak cyclehubd >/dev/null
SOAK_SECONDS=${SOAK_SECONDS:-300} HUB_BIN_DIR=$(cd "$BUILD" && pwd) HUB_SRC_DIR=$(pwd) \
    exec "$BUILD/tests/hub_soak"
