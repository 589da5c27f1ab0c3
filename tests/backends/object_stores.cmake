# S3 (s3rver behind a Signature V4 check) and Azure Blob (Azurite), both
# from tests/backends/node_modules.
add_library(ocula_object_store_servers STATIC object_store_servers.cc)
target_link_libraries(ocula_object_store_servers PUBLIC ocula_test_support GTest::gtest)
target_compile_definitions(ocula_object_store_servers PRIVATE OCULA_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

foreach(name s3_blob_store_test azure_blob_store_test)
  ocula_test(${name} SOURCES ${name}.cc
    LIBS ocula_blob ocula_object_store_servers
    LABELS integration)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
endforeach()
