ocula_test(core_test SOURCES
  core/config_test.cc core/group_sync_test.cc core/ids_test.cc core/registry_test.cc
  core/status_test.cc core/thread_name_test.cc core/metrics_test.cc core/work_pool_test.cc
  LIBS ocula_core ocula_test_support)
