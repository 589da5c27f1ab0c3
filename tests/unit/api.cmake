ocula_test(api_test SOURCES
  api/error_mapping_test.cc api/multipart_test.cc api/router_test.cc
  LIBS ocula_api nlohmann_json::nlohmann_json)
