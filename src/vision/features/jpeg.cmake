# JPEG fast path: ProbeImage and DecodeImage read JPEG headers and EXIF
# without libvips (src/vision/exif.h) and decode with TurboJPEG on the calling
# thread (src/vision/jpeg_turbo.h); libvips stays for the other formats.
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
target_sources(ocula_vision PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/exif.cc
                                    ${CMAKE_CURRENT_SOURCE_DIR}/jpeg_turbo.cc)
target_link_libraries(ocula_vision PRIVATE PkgConfig::TURBOJPEG)
