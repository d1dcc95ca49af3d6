# bench_commit: a small synced LMDB commit's cost as it touches more trees.
add_executable(bench_commit bench_commit.c)
target_link_libraries(bench_commit PRIVATE PkgConfig::LMDB PkgConfig::CZMQ m)
