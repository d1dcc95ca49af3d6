# cyclehubd's settings and log as an operator meets them (test_config.c):
# config file keys, --check-config, --verbose, docs/cyclehubd.cfg.example.
if(TARGET cyclehubd AND TARGET cyclehub_cli)
  hub_test(test_config SOURCES test_config.c TIMEOUT 120)
  add_dependencies(test_config cyclehubd cyclehub_cli)
endif()
