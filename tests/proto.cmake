hub_test(test_proto SOURCES test_proto.c LIBS hub_proto)
hub_test(test_money SOURCES test_money.c LIBS hub_proto)
hub_test(test_time SOURCES test_time.c LIBS hub_proto)
