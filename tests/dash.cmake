# The dashboard's renderer (broker/http/dashboard, hub_dash) on commissions
# built by the domain rules (tests/hub_dash_fixture.h), and the pages in a
# real headless browser (Debian's chromium; skipped with a reason if absent).
if(TARGET hub_dash AND TARGET cyclehub)
  hub_test(test_dash SOURCES test_dash.c LIBS hub_dash hub_domain cyclehub hub_proto)
endif()
if(TARGET hub_dash AND TARGET cyclehub)
  hub_test(test_dash_browser SOURCES test_dash_browser.c LIBS hub_dash hub_domain cyclehub hub_proto
           TIMEOUT 300)
  set_tests_properties(test_dash_browser PROPERTIES SKIP_RETURN_CODE 77)
endif()
# The dashboard of a live cyclehubd (--plain, --http) in headless chromium
# driven over the DevTools protocol: sign-in, the three pages, a live event
# published over HTTP appearing without a reload (skipped without chromium)
if(TARGET cyclehubd AND TARGET cyclehub_cli)
  add_test(NAME test_dash_live COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_dash_live.py)
  set_tests_properties(test_dash_live PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77
    ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
endif()
