# PostgreSQL (issue 5): the MetadataStore, ReadOperationStore and KeyStore
# contracts, and what is PostgreSQL's own (several processes sharing a
# database, concurrent migrations, server restarts), against a throwaway
# cluster that each test process starts on a free loopback port
# (postgres_server.h).
add_library(ocula_postgres_test_server STATIC postgres_server.cc)
target_link_libraries(ocula_postgres_test_server PUBLIC ocula_db)
target_include_directories(ocula_postgres_test_server PUBLIC ${PROJECT_SOURCE_DIR}/tests/unit
                                                             ${CMAKE_CURRENT_SOURCE_DIR})

ocula_test(postgres_metadata_test
  SOURCES postgres_metadata_test.cc
  LIBS ocula_postgres_test_server ocula_metadata nlohmann_json::nlohmann_json
  LABELS integration)

ocula_test(postgres_key_store_test
  SOURCES postgres_key_store_test.cc
  LIBS ocula_postgres_test_server ocula_auth
  LABELS integration)
