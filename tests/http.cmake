# The HTTP front end (broker/http): the reject-code -> status table, and
# the API end to end over real processes (cyclehubd --http, cyclehub tokens,
# libcurl, CURVE ZeroMQ sockets).
hub_test(test_http_problem SOURCES test_http_problem.c LIBS hub_brokerlib)
hub_test(test_http SOURCES test_http.c
         LIBS hub_json hub_proto PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::CURL PkgConfig::JANSSON
         TIMEOUT 300)
add_dependencies(test_http cyclehubd cyclehub_cli)
