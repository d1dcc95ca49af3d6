# The OCDS converter (broker/domain/ocds, the hub_ocds library): a
# history the domain accepts to release and record packages, one ocid per
# process, checked by the offline OCDS 1.1.5 validator.
hub_test(test_ocds SOURCES test_ocds.c LIBS hub_ocds hub_proto TIMEOUT 120)
target_compile_definitions(test_ocds PRIVATE
  HUB_OCDS_VALIDATOR="${CMAKE_SOURCE_DIR}/scripts/ocds-validate"
  HUB_OCDS_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data/ocds")
