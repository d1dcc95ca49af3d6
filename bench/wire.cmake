# bench_wire: the per-request cost of the wire check (proto/hub_wire) beside
# protobuf-c's unpack and hub_proto_check of the same bytes.
add_executable(bench_wire bench_wire.c)
target_link_libraries(bench_wire PRIVATE hub_proto)
