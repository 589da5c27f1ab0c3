ocula_test(pipeline_test SOURCES
  pipeline/backlog_gate_test.cc pipeline/ingest_test.cc pipeline/reconciler_test.cc
  pipeline/worker_pool_test.cc
  LIBS ocula_pipeline ocula_test_support nlohmann_json::nlohmann_json)
# Fault injection across the pipeline: real stores in a temp dir behind the
# fault-injecting decorators, the relay and the worker pool (one case uses
# the real models with a 1 ms inference limit).
ocula_test(pipeline_faults_test SOURCES
  pipeline/faults_test.cc
  LIBS ocula_pipeline ocula_test_support nlohmann_json::nlohmann_json)
