# bench_bridge: events/s `cyclehub bridge nats` carries into a one-node and a
# three-node JetStream, beside plain JetStream async publish in the same run.
# Run: build/bench/bench_bridge [EVENTS [WINDOW]]
if(TARGET cyclehub AND TARGET cyclehub_cli)
  add_executable(bench_bridge bench_bridge.c)
  target_include_directories(bench_bridge PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(bench_bridge PRIVATE HUB_BENCH_BIN_DIR="${CMAKE_BINARY_DIR}")
  target_link_libraries(bench_bridge PRIVATE cyclehub hub_proto PkgConfig::CZMQ PkgConfig::NATS)
  add_dependencies(bench_bridge cyclehubd cyclehub_cli)
endif()
