# The HTTP front end (broker/http): the reject-code -> status table, and
# the API end to end over real processes (cyclehubd --http, cyclehub tokens,
# libcurl, CURVE ZeroMQ sockets).
hub_test(test_http_problem SOURCES test_http_problem.c LIBS hub_brokerlib)
hub_test(test_http SOURCES test_http.c
         LIBS hub_json hub_proto PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::CURL PkgConfig::JANSSON
         TIMEOUT 300)
add_dependencies(test_http cyclehubd cyclehub_cli)
# GET /v1/events (Server-Sent Events): live, catch-up, redaction, resume across a restart
hub_test(test_http_sse SOURCES test_http_sse.c
         LIBS hub_json hub_proto PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::CURL PkgConfig::JANSSON
         TIMEOUT 120)
add_dependencies(test_http_sse cyclehubd cyclehub_cli)
# docs/http.md's tour, run as written (its sh blocks, with a free port)
add_test(NAME test_http_doc COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_http_doc.py)
set_tests_properties(test_http_doc PROPERTIES TIMEOUT 120
  ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
# GET /v1/openapi.json: valid OpenAPI 3.1 (the vendored schema, Debian's
# python3-jsonschema), and a real broker's answers conform to it
add_test(NAME test_http_openapi COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_http_openapi.py)
set_tests_properties(test_http_openapi PROPERTIES TIMEOUT 120
  ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
# The dashboard served: sign-in, cookie, pages of the cycle fixture, no personal data
hub_test(test_http_dash SOURCES test_http_dash.c
         LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::CURL PkgConfig::JANSSON TIMEOUT 180)
add_dependencies(test_http_dash cyclehubd cyclehub_cli)
# 503 with Retry-After while the broker shuts down (the store's write lock
# held by the test, so the shutdown waits): keep-alive, waiting publish,
# resuming stream; the retry with the same Idempotency-Key is stored once
add_test(NAME test_http_unavailable COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_http_unavailable.py)
set_tests_properties(test_http_unavailable PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
  ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
