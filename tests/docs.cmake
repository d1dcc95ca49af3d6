# Issue 15: every command block of the docs runs as written. One test per page
# (docs_readme, docs_cli, docs_scale_out, ...): tests/docs_run.py runs the
# page's ```sh blocks in order against a broker of its own on free ports, and
# fails on a non-zero exit naming the page, line and command; blocks that
# cannot run here carry a marker with the reason (docs/style.md, "Examples").
#
# Not in the sanitizer tree: the pages' commands are the CLI and broker paths
# the other tests already run under ASan, and the pages are the same in both
# trees; the normal tree proves they run as written (make test stays under
# its 10 minutes).
if(HUB_SANITIZE)
  return()
endif()
file(GLOB HUB_DOC_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
list(PREPEND HUB_DOC_PAGES ${CMAKE_SOURCE_DIR}/README.md)
foreach(page ${HUB_DOC_PAGES})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${page})
  get_filename_component(stem ${page} NAME_WE)
  string(TOLOWER "docs_${stem}" name)
  string(REPLACE "-" "_" name ${name})
  add_test(NAME ${name} COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/docs_run.py ${rel})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120
    ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
# The runner itself: it fails, naming the line and command, when it should
add_test(NAME test_docs_run COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_docs_run.py)
set_tests_properties(test_docs_run PROPERTIES TIMEOUT 120
  ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
