# bench_peers: the peers measured in the same run as the hub (make bench): the
# fdatasync distribution, NATS JetStream async publish and core fan-out, and
# Mosquitto QoS 1 where libmosquitto-dev is installed.
pkg_check_modules(MOSQUITTO IMPORTED_TARGET libmosquitto)
add_executable(bench_peers bench_peers.c)
target_include_directories(bench_peers PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(bench_peers PRIVATE PkgConfig::CZMQ PkgConfig::NATS pthread m)
if(TARGET PkgConfig::MOSQUITTO)
  target_compile_definitions(bench_peers PRIVATE HUB_BENCH_MOSQUITTO)
  target_link_libraries(bench_peers PRIVATE PkgConfig::MOSQUITTO)
endif()
