ocula_test(storage_test SOURCES
  storage/blob_created_test.cc
  storage/blob_store_contract_test.cc
  storage/blob_store_faulty_test.cc
  storage/blob_store_fs_test.cc
  storage/event_bus_faulty_test.cc
  storage/event_bus_sqlite_test.cc
  storage/metadata_store_faulty_test.cc
  storage/metadata_store_sqlite_test.cc
  storage/outbox_relay_test.cc
  storage/custom_vision_store_sqlite_test.cc
  storage/read_operation_store_sqlite_test.cc
  storage/role_views_test.cc
  storage/backend_config_test.cc
  storage/sigv4_test.cc
  storage/sqlite_file_test.cc
  LIBS ocula_blob ocula_metadata ocula_events nlohmann_json::nlohmann_json)
# Shared test helpers: "storage/temp_dir.h".
target_include_directories(storage_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
