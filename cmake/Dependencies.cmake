# Every third-party dependency, found once, exposed as a target.
# scripts/deps.sh installs them (Debian 12 packages, ONNX Runtime from npm).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)

# OpenCV: Debian splits it per module and ships the CMake config only with the
# full libopencv-dev, which Ocula avoids (it pulls VTK, Qt...). Find the three
# modules directly.
find_path(OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4 REQUIRED)
foreach(mod core imgproc dnn)
  find_library(OPENCV_${mod}_LIB opencv_${mod} REQUIRED)
  list(APPEND OPENCV_LIBS ${OPENCV_${mod}_LIB})
endforeach()
add_library(ocula_opencv INTERFACE)
target_include_directories(ocula_opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
target_link_libraries(ocula_opencv INTERFACE ${OPENCV_LIBS})

# ONNX Runtime: headers + library under OCULA_ONNXRUNTIME_ROOT
# (scripts/fetch-onnxruntime.sh fills .deps/onnxruntime).
set(OCULA_ONNXRUNTIME_ROOT "${PROJECT_SOURCE_DIR}/.deps/onnxruntime" CACHE PATH
    "Directory with include/onnxruntime_cxx_api.h and lib/libonnxruntime.so")
find_path(ORT_INCLUDE_DIR onnxruntime_cxx_api.h
          PATHS ${OCULA_ONNXRUNTIME_ROOT}/include NO_DEFAULT_PATH)
find_library(ORT_LIB onnxruntime PATHS ${OCULA_ONNXRUNTIME_ROOT}/lib NO_DEFAULT_PATH)
if(NOT ORT_INCLUDE_DIR OR NOT ORT_LIB)
  message(FATAL_ERROR "ONNX Runtime not found under ${OCULA_ONNXRUNTIME_ROOT}. "
          "Run scripts/deps.sh, or pass -DOCULA_ONNXRUNTIME_ROOT=<release dir>.")
endif()
add_library(ocula_onnxruntime INTERFACE)
target_include_directories(ocula_onnxruntime SYSTEM INTERFACE ${ORT_INCLUDE_DIR})
target_link_libraries(ocula_onnxruntime INTERFACE ${ORT_LIB})
get_filename_component(ORT_LIB_DIR ${ORT_LIB} DIRECTORY)
list(APPEND CMAKE_BUILD_RPATH ${ORT_LIB_DIR})
list(APPEND CMAKE_INSTALL_RPATH ${ORT_LIB_DIR})

# Scale-out backends (docs/deployment.md): libcurl and pugixml (XML answers)
# for the S3 and Azure Blob stores, libpq for PostgreSQL, libnats (cnats) for
# NATS JetStream.
find_package(CURL REQUIRED)
find_package(pugixml CONFIG REQUIRED)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)
