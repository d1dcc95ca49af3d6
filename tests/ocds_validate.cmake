# The project's offline OCDS 1.1.5 validator (scripts/ocds-validate, over the
# schema vendored in clients/integrations/ocds/schema/), tested on its own:
# valid packages pass, each kind of fault fails with its place named.
add_test(NAME test_ocds_validate
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_ocds_validate.py)
set_tests_properties(test_ocds_validate PROPERTIES TIMEOUT 120
  ENVIRONMENT "HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
