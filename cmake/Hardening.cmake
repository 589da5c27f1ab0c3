# Hardening builds (README "Hardening checks"): sanitizers for the whole tree
# (scripts/sanitize.sh) and the libFuzzer targets in fuzz/ (scripts/fuzz.sh).
# Each uses its own build directory; the normal build is unaffected.

# -DOCULA_SANITIZE=address,undefined (gcc or clang) or =thread: every target,
# tests included, is compiled and linked with these sanitizers. Undefined
# behaviour aborts instead of printing and going on.
set(OCULA_SANITIZE "" CACHE STRING
    "Build everything with these sanitizers: address,undefined or thread (empty: none)")

# -DOCULA_FUZZ=ON (clang only): build only the fuzz targets (fuzz/) and the
# sources they need, with coverage for libFuzzer plus ASan and UBSan.
# Assertions stay on (-UNDEBUG) so Beast's and nlohmann's checks fire too.
option(OCULA_FUZZ "Build only the libFuzzer targets in fuzz/ (clang)" OFF)

if(OCULA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "OCULA_FUZZ needs clang (libFuzzer): configure with "
            "-DCMAKE_CXX_COMPILER=clang++, or run scripts/fuzz.sh")
  endif()
  if(OCULA_SANITIZE)
    message(FATAL_ERROR "OCULA_FUZZ already builds with address,undefined; leave OCULA_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -UNDEBUG)
  add_link_options(-fsanitize=address,undefined)
elseif(OCULA_SANITIZE)
  add_compile_options(-fsanitize=${OCULA_SANITIZE} -fno-omit-frame-pointer)
  if(OCULA_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  add_link_options(-fsanitize=${OCULA_SANITIZE})
endif()

# Debian's abseil is built without TSan, so ThreadSanitizer cannot see
# absl::Mutex synchronise anything. This preloadable library interposes the
# absl::Mutex and absl::CondVar entry points and tells TSan about each lock and
# unlock (tests/sanitizers/tsan_absl_mutex.cc); scripts/sanitize.sh preloads it.
if(OCULA_SANITIZE MATCHES "thread")
  add_library(ocula_tsan_absl_mutex SHARED
              ${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan_absl_mutex.cc)
  target_link_libraries(ocula_tsan_absl_mutex PRIVATE absl::synchronization ${CMAKE_DL_LIBS})
  set_target_properties(ocula_tsan_absl_mutex PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/sanitizers)
endif()
