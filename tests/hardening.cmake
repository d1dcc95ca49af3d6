# Issue 17, the broker's slice: what a client gets for its mistakes (the
# request_id of every reply, no INTERNAL for bad input, an erase naming
# exactly one response), end to end against a real cyclehubd.
if(TARGET cyclehubd)
  hub_test(test_refusals SOURCES test_refusals.c
           LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ TIMEOUT 120)
  add_dependencies(test_refusals cyclehubd)
endif()
