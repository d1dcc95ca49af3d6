hub_test(test_proto SOURCES test_proto.c LIBS hub_proto)
hub_test(test_event_reader SOURCES test_event_reader.c LIBS hub_proto)
