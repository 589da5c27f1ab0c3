ocula_test(pipeline_test SOURCES
  pipeline/ingest_test.cc pipeline/worker_pool_test.cc
  LIBS ocula_pipeline ocula_test_support nlohmann_json::nlohmann_json)
