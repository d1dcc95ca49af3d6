# bench_forward: the forward-only ceiling, a zero-logic czmq forwarder with its
# sender and receiver in three processes (bench_hub runs it beside itself).
add_executable(bench_forward bench_forward.c)
target_link_libraries(bench_forward PRIVATE PkgConfig::CZMQ PkgConfig::ZMQ)
