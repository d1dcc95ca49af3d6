# bench_quick: make bench's programs still run and print their figures.
# scripts/bench.sh --quick exits 1 if a program fails or a hub figure of its
# table is missing; it never asserts a timing (the verdicts are printed only).
# Not in the sanitizer tree: it proves the bench runs, which the normal tree
# does in half a minute; under ASan it would double that for no new finding
# (the programs it drives are the broker and clients the other tests cover).
if(NOT HUB_SANITIZE)
  add_test(NAME bench_quick COMMAND ${CMAKE_SOURCE_DIR}/scripts/bench.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(bench_quick PROPERTIES TIMEOUT 300 ENVIRONMENT "BENCH_ARGS=--quick")
endif()
