hub_test(test_proto SOURCES test_proto.c LIBS hub_proto)
# The message-type and field tables against the .proto, the broker's
# refusals (hub_validate) and the CLI's --help.
hub_test(test_types SOURCES test_types.c LIBS hub_domain hub_proto)
if(TARGET cyclehub_cli)
  add_dependencies(test_types cyclehub_cli)
endif()
hub_test(test_event_reader SOURCES test_event_reader.c LIBS hub_proto)
hub_test(test_money SOURCES test_money.c LIBS hub_proto)
hub_test(test_time SOURCES test_time.c LIBS hub_proto)
