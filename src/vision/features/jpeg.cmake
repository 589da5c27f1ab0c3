# JPEG fast path: DecodeImage decodes JPEG with TurboJPEG on the calling
# thread (src/vision/jpeg_turbo.h); libvips stays for probing and other formats.
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
target_sources(ocula_vision PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/jpeg_turbo.cc)
target_link_libraries(ocula_vision PRIVATE PkgConfig::TURBOJPEG)
