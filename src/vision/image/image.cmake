# image/: probing and decoding (libvips; JPEG headers, EXIF and decoding
# through TurboJPEG on the calling thread), resampling, thumbnails and the
# pixel features Color and ImageType.
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/color.cc
  ${CMAKE_CURRENT_LIST_DIR}/exif.cc
  ${CMAKE_CURRENT_LIST_DIR}/image.cc
  ${CMAKE_CURRENT_LIST_DIR}/image_structure.cc
  ${CMAKE_CURRENT_LIST_DIR}/image_type.cc
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_turbo.cc
  ${CMAKE_CURRENT_LIST_DIR}/pixel_util.cc
  ${CMAKE_CURRENT_LIST_DIR}/thumbnail.cc)
target_link_libraries(ocula_vision PRIVATE PkgConfig::TURBOJPEG)
