# The whole system scaled out (scaleout_test.cc): api and worker processes of
# the real binary on PostgreSQL, NATS JetStream and the S3 test server.
ocula_test(scaleout_test
  SOURCES scaleout_test.cc
  LIBS ocula_postgres_test_server ocula_nats_test_server ocula_object_store_servers ocula_blob
       nlohmann_json::nlohmann_json
  LABELS integration)
add_dependencies(scaleout_test ocula)
