# The repository stands alone: no tracked file may read or link the shared
# folder the project was developed beside (tests/standalone.sh), and the check
# itself can fail.
add_test(NAME test_standalone COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/standalone.sh ${CMAKE_SOURCE_DIR})
add_test(NAME test_standalone_self COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/standalone.sh --self-test)
