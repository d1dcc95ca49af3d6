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
