# Domain rules (broker/domain): validation, commission state, cycle state machine.
hub_test(test_cycle SOURCES test_cycle.c LIBS hub_domain hub_proto)
hub_test(test_access SOURCES test_access.c LIBS hub_domain hub_proto)
hub_test(test_erasure SOURCES test_erasure.c LIBS hub_domain hub_proto)
# The bank-holiday CSV is checked row by row when the build turns it into a table
foreach(bad missing-source out-of-order unknown-nation)
  add_test(NAME holidays_csv_${bad}
           COMMAND ${CMAKE_COMMAND} -DIN=${CMAKE_SOURCE_DIR}/tests/data/holidays/${bad}.csv
                   -DOUT=${CMAKE_BINARY_DIR}/holidays-${bad}.c
                   -P ${CMAKE_SOURCE_DIR}/broker/domain/data/holidays.cmake)
endforeach()
set_tests_properties(holidays_csv_missing-source PROPERTIES
  PASS_REGULAR_EXPRESSION "missing-source.csv:3: not[ \n]+nation,YYYY-MM-DD,title,source")
set_tests_properties(holidays_csv_out-of-order PROPERTIES
  PASS_REGULAR_EXPRESSION "out-of-order.csv:3:[ \n]+rows must be[ \n]+sorted")
set_tests_properties(holidays_csv_unknown-nation PROPERTIES
  PASS_REGULAR_EXPRESSION "unknown-nation.csv:2:[ \n]+unknown[ \n]+nation[ \n]+'wales'")
