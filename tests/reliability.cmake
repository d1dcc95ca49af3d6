# The reliability suite (issue 7), end to end against real cyclehubd
# processes: the crash harness (SIGKILL and restart under load), hostile
# input over real sockets, slow and dead consumers, a full store. The soak
# program (tests/soak) is built but is not a ctest: scripts/soak.sh runs it.
find_package(Threads REQUIRED)
if(TARGET cyclehub AND TARGET cyclehub_cli AND TARGET cyclehubd AND TARGET hub_domain)
  hub_test(test_crash SOURCES crash/crash.c
           LIBS cyclehub hub_domain hub_proto PkgConfig::CZMQ Threads::Threads TIMEOUT 300)
  # A power cut between a commit and the sync that carries its meta page
  # (store/hub_store_testhook.c): nothing acked may be lost
  add_test(NAME test_crash_lose_meta COMMAND test_crash --lose-meta --kills 6)
  set_tests_properties(test_crash_lose_meta PROPERTIES TIMEOUT 300
    ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
  foreach(t test_hostile test_consumers test_full test_limits)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c)
      hub_test(${t} SOURCES ${t}.c
               LIBS cyclehub hub_domain hub_proto PkgConfig::CZMQ PkgConfig::ZMQ Threads::Threads TIMEOUT 300)
    endif()
  endforeach()
  # --map-max below the initial map size (64 MiB) must be honoured: the
  # regression test of commit 62ad81b (store: the maximum lowers the
  # initial size instead of being raised to it).
  if(TARGET test_full)
    add_test(NAME test_full_tiny COMMAND test_full --tiny)
    set_tests_properties(test_full_tiny PROPERTIES TIMEOUT 300
      ENVIRONMENT "HUB_BIN_DIR=${CMAKE_BINARY_DIR};HUB_SRC_DIR=${CMAKE_SOURCE_DIR}")
  endif()
  foreach(t test_crash test_hostile test_consumers test_full test_limits)
    if(TARGET ${t})
      add_dependencies(${t} cyclehubd cyclehub_cli)
    endif()
  endforeach()
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/soak/soak.c)
    add_executable(hub_soak soak/soak.c)
    target_link_libraries(hub_soak PRIVATE cyclehub hub_domain hub_proto PkgConfig::CZMQ Threads::Threads)
    target_include_directories(hub_soak PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    add_dependencies(hub_soak cyclehubd)
  endif()
endif()
