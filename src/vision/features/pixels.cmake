# Pixel-level features: Color, ImageType, Adult, thumbnails and the area of
# interest (src/vision/{color,image_type,adult,thumbnail}.cc). Included by
# src/vision/CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is src/vision.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/adult.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/color.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/image_type.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/thumbnail.cc)
