# detect/: Objects and Faces, detectors built on models/ with their shared
# input, decoder and NMS helpers.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/detector_core.cc
  ${CMAKE_CURRENT_LIST_DIR}/detector_decoders.cc
  ${CMAKE_CURRENT_LIST_DIR}/detector_input.cc
  ${CMAKE_CURRENT_LIST_DIR}/face_detector.cc
  ${CMAKE_CURRENT_LIST_DIR}/nms.cc
  ${CMAKE_CURRENT_LIST_DIR}/object_detector.cc)
