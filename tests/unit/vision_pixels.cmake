# Pixel-level feature tests: Color, ImageType, Adult, thumbnails and the area
# of interest. The adult tests read models/adult/ (run scripts/prepare-models.sh
# first); all read test images from ../shared/testdata. Each prints its
# per-image timing (ms) for the record.
set(_pixels_dir ${CMAKE_CURRENT_LIST_DIR}/vision_pixels)
ocula_test(vision_pixels_test SOURCES
  ${_pixels_dir}/adult_test.cc
  ${_pixels_dir}/color_test.cc
  ${_pixels_dir}/image_type_test.cc
  ${_pixels_dir}/pixels_test_util.cc
  ${_pixels_dir}/thumbnail_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/vision/vision_test_util.cc
  LIBS ocula_vision ocula_opencv PkgConfig::VIPS)
target_include_directories(vision_pixels_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/vision)
