# Issue 17, the broker's slice: what a client gets for its mistakes (the
# request_id of every reply, no INTERNAL for bad input, an erase naming
# exactly one response), end to end against a real cyclehubd.
if(TARGET cyclehubd)
  hub_test(test_refusals SOURCES test_refusals.c
           LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ TIMEOUT 120)
  add_dependencies(test_refusals cyclehubd)
endif()
# A full store (the map limit, and a real full disk on a tmpfs when run as
# root): the codes, the log line, and a publisher's order kept by
# libcyclehub's async publisher.
find_package(Threads REQUIRED)
if(TARGET cyclehubd AND TARGET cyclehub AND TARGET hub_domain)
  hub_test(test_full_order SOURCES test_full_order.c
           LIBS cyclehub hub_domain hub_proto PkgConfig::CZMQ PkgConfig::ZMQ Threads::Threads TIMEOUT 300)
  add_dependencies(test_full_order cyclehubd)
endif()
