# The wire check (proto/hub_wire): on hand-made bytes, and end to end
# against a real cyclehubd (the attacks of issue 17 on the publish path).
hub_test(test_wire SOURCES test_wire.c LIBS hub_proto)
if(TARGET cyclehubd)
  hub_test(test_wire_broker SOURCES test_wire_broker.c
           LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ TIMEOUT 120)
  add_dependencies(test_wire_broker cyclehubd)
endif()
# PublishBatch / AckBatch end to end: raw batches and libcyclehub's batching
if(TARGET cyclehubd AND TARGET cyclehub)
  hub_test(test_batch SOURCES test_batch.c LIBS cyclehub hub_proto PkgConfig::CZMQ TIMEOUT 120)
  add_dependencies(test_batch cyclehubd)
endif()
# docs/protocol.md's table of each type's fields is generated from the type
# table: it fails here when hub_fields.def changes and the docs do not.
add_test(NAME test_protocol_fields
  COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/scripts/protocol-fields
          --check ${CMAKE_SOURCE_DIR}/docs/protocol.md)
