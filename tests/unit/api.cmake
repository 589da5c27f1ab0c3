ocula_test(api_test SOURCES
  api/change_feed_test.cc api/error_mapping_test.cc api/multipart_test.cc api/route_table_test.cc
  api/read_operations_test.cc api/request_handler_test.cc api/router_test.cc
  LIBS ocula_api ocula_metadata ocula_events ocula_auth ocula_test_support nlohmann_json::nlohmann_json)
# Shared test helpers: "storage/temp_dir.h".
target_include_directories(api_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
