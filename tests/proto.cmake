hub_test(test_proto SOURCES test_proto.c LIBS hub_proto)
