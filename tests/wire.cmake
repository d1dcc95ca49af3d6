# The wire check (proto/hub_wire): on hand-made bytes, and end to end
# against a real cyclehubd (the attacks of issue 17 on the publish path).
hub_test(test_wire SOURCES test_wire.c LIBS hub_proto)
if(TARGET cyclehubd)
  hub_test(test_wire_broker SOURCES test_wire_broker.c
           LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ TIMEOUT 120)
  add_dependencies(test_wire_broker cyclehubd)
endif()
