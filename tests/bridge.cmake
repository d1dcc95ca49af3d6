# The bridge library (clients/integrations/bridge) called directly for its
# checks, and `cyclehub bridge nats` end to end: a real cyclehubd, real
# nats-server processes (one, then a three-node cluster) on free loopback ports.
if(TARGET cyclehub AND TARGET cyclehub_cli)
  hub_test(test_bridge SOURCES test_bridge.c LIBS cyclehub hub_bridge hub_proto PkgConfig::CZMQ PkgConfig::NATS TIMEOUT 300)
  add_dependencies(test_bridge cyclehubd cyclehub_cli)
endif()
