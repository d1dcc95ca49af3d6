# Domain rules (broker/domain): validation, commission state, cycle state machine.
hub_test(test_cycle SOURCES test_cycle.c LIBS hub_domain hub_proto)
hub_test(test_access SOURCES test_access.c LIBS hub_domain hub_proto)
hub_test(test_erasure SOURCES test_erasure.c LIBS hub_domain hub_proto)
