# The integration libraries (clients/integrations/) end to end against a real
# cyclehubd, through their CLI commands: the relay library (test_relay, which
# also calls hub_relay directly; receiver: tests/webhook_receiver.py, Debian's
# python3; its FHIR notifications checked by tests/fhir_check.py with
# python3-jsonschema) and the OCDS export (test_export, checked by the offline OCDS 1.1.5
# validator, scripts/ocds-validate).
if(TARGET cyclehub AND TARGET cyclehub_cli)
  hub_test(test_relay SOURCES test_relay.c LIBS cyclehub hub_relay hub_proto PkgConfig::CZMQ TIMEOUT 300)
  hub_test(test_export SOURCES test_export.c LIBS cyclehub hub_proto PkgConfig::CZMQ TIMEOUT 300)
  foreach(t test_relay test_export)
    if(TARGET cyclehubd)
      add_dependencies(${t} cyclehubd cyclehub_cli)
    else()
      add_dependencies(${t} cyclehub_cli)
    endif()
  endforeach()
endif()
# Personal data through every way out (test_outward): libcyclehub's outward
# mode, the relay into a real receiver, the bridge into a real nats-server,
# the OCDS export, each run as the commission's owner.
if(TARGET cyclehub AND TARGET cyclehub_cli AND TARGET cyclehubd)
  hub_test(test_outward SOURCES test_outward.c LIBS cyclehub hub_proto PkgConfig::CZMQ PkgConfig::NATS PkgConfig::JANSSON TIMEOUT 300)
  add_dependencies(test_outward cyclehubd cyclehub_cli)
endif()
