# The TurboJPEG fast path of DecodeImage, checked against the libvips decoder
# (needs ../shared/testdata, including imagenet-dev).
ocula_test(vision_jpeg_test SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/vision_jpeg/jpeg_turbo_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/vision/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS)
