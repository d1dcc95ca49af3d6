# GET /v1/ocds/{commission} (the export's package, valid OCDS, no personal
# data, --http-public-ocds) and GET /v1/history's repeated filters, over a
# real cyclehubd holding the cycle of tests/data/cycle
hub_test(test_http_ocds SOURCES test_http_ocds.c
         LIBS hub_proto PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::CURL PkgConfig::JANSSON TIMEOUT 180)
add_dependencies(test_http_ocds cyclehubd cyclehub_cli)
