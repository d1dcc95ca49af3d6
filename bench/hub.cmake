# bench_hub: the hub's figures beside their ceilings (make bench).
if(TARGET cyclehub)
  add_executable(bench_hub bench_hub.c)
  target_link_libraries(bench_hub PRIVATE cyclehub hub_proto PkgConfig::LMDB PkgConfig::CZMQ PkgConfig::ZMQ m)
  add_dependencies(bench_hub cyclehubd bench_forward)
endif()
