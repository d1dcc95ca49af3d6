# The integration edges of the CLI, end to end against a real cyclehubd:
# `cyclehub relay webhook` (receiver: tests/webhook_receiver.py, Debian's
# python3) and `cyclehub export ocds` (checked by the offline OCDS 1.1.5
# validator, scripts/ocds-validate).
if(TARGET cyclehub AND TARGET cyclehub_cli)
  foreach(t test_relay test_export)
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
