# Issue 15, packaging: what `cmake --install` puts on a host works there
# (test_install: the files, a partner's program built with pkg-config against
# the installed libcyclehub, run against the installed broker), the systemd
# unit (test_unit), the broker's sd_notify messages (test_notify), and the
# backup and restore of docs/operations.md as written (test_restore).
if(TARGET cyclehubd AND TARGET cyclehub_cli AND TARGET cyclehub_shared)
  set(HUB_DEPLOY ${CMAKE_CURRENT_SOURCE_DIR}/deploy)
  set(HUB_PARTNER_CFLAGS "")
  if(HUB_SANITIZE)
    set(HUB_PARTNER_CFLAGS "-fsanitize=address,undefined")
  endif()
  add_test(NAME test_install COMMAND bash ${HUB_DEPLOY}/install.sh ${CMAKE_BINARY_DIR} "${HUB_PARTNER_CFLAGS}")
  add_test(NAME test_unit COMMAND bash ${HUB_DEPLOY}/unit.sh ${CMAKE_BINARY_DIR})
  add_test(NAME test_restore COMMAND bash ${HUB_DEPLOY}/restore.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(test_install test_unit test_restore PROPERTIES TIMEOUT 120)
  set_tests_properties(test_unit PROPERTIES SKIP_RETURN_CODE 77)
  # Both install the tree, which writes cyclehubd.service in it: one at a time
  set_tests_properties(test_install test_unit PROPERTIES RESOURCE_LOCK hub_install)
  hub_test(test_notify SOURCES test_notify.c LIBS PkgConfig::CZMQ TIMEOUT 60)
  add_dependencies(test_notify cyclehubd)
endif()
