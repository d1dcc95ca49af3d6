hub_test(test_broker SOURCES test_broker.c LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::LMDB TIMEOUT 300)
add_dependencies(test_broker cyclehubd)
hub_test(test_security SOURCES test_security.c LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ TIMEOUT 300)
add_dependencies(test_security cyclehubd cyclehub_cli)
