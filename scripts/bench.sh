#!/usr/bin/env bash
# make bench: the hub's figures (bench_hub starts its own cyclehubd on a
# temp store), then the store's figures beside a raw LMDB loop.
# BENCH_ARGS="--tsv" for machine-readable lines, "--quick" for a smoke run.
set -euo pipefail
build=${1:-build}
"$build/bench/bench_hub" ${BENCH_ARGS:-}
echo
"$build/bench/bench_store" ${BENCH_STORE_EVENTS:-}
