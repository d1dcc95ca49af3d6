# bench_http: HTTP publish (keep-alive, 1 and 4 clients) and SSE fan-out (1,
# 10 and 50 clients) of a cyclehubd --plain --http (make bench).
if(TARGET cyclehub)
  add_executable(bench_http bench_http.c)
  target_link_libraries(bench_http PRIVATE cyclehub hub_proto PkgConfig::CZMQ PkgConfig::CURL pthread m)
  add_dependencies(bench_http cyclehubd)
endif()
