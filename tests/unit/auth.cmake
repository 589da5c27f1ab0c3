ocula_test(auth_test SOURCES auth/auth_test.cc LIBS ocula_auth)
# Shared test helpers: "storage/temp_dir.h".
target_include_directories(auth_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
