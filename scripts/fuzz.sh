#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DHUB_FUZZ=ON) in build-fuzz and runs
# each for a bounded time, starting from its committed corpus.
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_TARGETS  which targets (default: request json history)
#   FUZZ_BUILD    build directory (default: build-fuzz)
#   FUZZ_MERGE=1  afterwards, merge new coverage into tests/fuzz/corpus/<name>
# New inputs go to $FUZZ_BUILD/corpus/<name>, crashes to $FUZZ_BUILD/artifacts/<name>.
# Exits 1 if any target found a crash, leak, timeout or out-of-memory.
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"request json history"}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=$(nproc 2>/dev/null || echo 2)

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is not installed (scripts/deps.sh installs it)" >&2
  exit 1
fi

CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUB_FUZZ=ON >/dev/null
for t in $TARGETS; do
  cmake --build "$BUILD" -j"$JOBS" --target "fuzz_$t" >/dev/null
done

max_len() {
  case "$1" in
    request) echo 65536 ;;
    json)    echo 16384 ;;
    history) echo 4096 ;;
    *)       echo 4096 ;;
  esac
}

found_any=0
summary=()
for t in $TARGETS; do
  exe="$BUILD/tests/fuzz/fuzz_$t"
  seeds="tests/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"
  artifacts="$BUILD/artifacts/$t"
  log="$BUILD/fuzz_$t.log"
  mkdir -p "$work" "$artifacts"
  stamp="$artifacts/.started"     # findings are the artifacts newer than this run's start
  touch "$stamp"
  echo "fuzz: $t for ${SECONDS_EACH}s (log $log)"
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$exe" "$work" "$seeds" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  findings=$(find "$artifacts" -type f -newer "$stamp" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
             -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
  summary+=("$(printf '%-8s executions=%-10s coverage=%-6s findings=%s exit=%s' \
               "$t" "${execs:-?}" "${cov:-?}" "$findings" "$rc")")
  if [ "$findings" -gt 0 ] || [ "$rc" -ne 0 ]; then
    found_any=1
    echo "fuzz: $t: findings in $artifacts:"
    find "$artifacts" -type f -newer "$stamp" | sed 's/^/  /'
    grep -m1 -A20 'ERROR:\|==ERROR\|invariant broken\|mismatch' "$log" | sed 's/^/  /' || true
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    # Minimise: keep the smallest set of inputs covering what both dirs cover
    merged="$BUILD/merged/$t"
    rm -rf "$merged" && mkdir -p "$merged"
    "$exe" -merge=1 -max_len="$(max_len "$t")" "$merged" "$seeds" "$work" >>"$log" 2>&1
    echo "fuzz: $t: merged corpus in $merged ($(ls "$merged" | wc -l) files); copy it over $seeds to keep it"
  fi
done

echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
exit $found_any
