# libcyclehub and the cyclehub CLI, end to end against a real cyclehubd
# (started by each test on a temp store with ephemeral ports; tests/hub_proc.h).
if(TARGET cyclehub AND TARGET cyclehub_cli)
  foreach(t test_cli_cycle test_cli_errors test_client_async test_client_subscribe
          test_cli_hardening test_cli_args test_cli_identity
          test_cli_context test_cli_lines test_cli_filters)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
      hub_test(${t} SOURCES ${t}.c LIBS cyclehub hub_proto PkgConfig::CZMQ TIMEOUT 300)
      if(TARGET cyclehubd)
        add_dependencies(${t} cyclehubd cyclehub_cli)
      else()
        add_dependencies(${t} cyclehub_cli)
      endif()
    endif()
  endforeach()
endif()

# libcyclehub's in-place read of an AckBatch, against protobuf-c's unpack
if(TARGET cyclehub)
  hub_test(test_ack_reader SOURCES test_ack_reader.c LIBS cyclehub hub_proto)
endif()
