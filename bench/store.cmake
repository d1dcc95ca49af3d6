# bench_store: store append and scan rates beside a raw LMDB loop.
add_executable(bench_store bench_store.c)
target_link_libraries(bench_store PRIVATE hub_store hub_proto PkgConfig::LMDB PkgConfig::CZMQ)
