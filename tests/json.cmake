# The JSON codec (proto/hub_json.c): round trips of every message,
# golden output, and the errors hostile or mistaken input gets.
hub_test(test_json SOURCES test_json.c LIBS cyclehub hub_proto)
target_compile_definitions(test_json PRIVATE
  HUB_JSON_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data/json")
