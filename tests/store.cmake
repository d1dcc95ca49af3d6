hub_test(test_store SOURCES test_store.c LIBS hub_store hub_proto PkgConfig::CZMQ TIMEOUT 300)
