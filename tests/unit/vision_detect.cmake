# Object and face detector tests: decoders and NMS on hand-made tensors, and
# the shipped detectors (both engines) on the photos in ../shared/testdata.
# Run scripts/prepare-models.sh first.
set(_detect_dir ${CMAKE_CURRENT_LIST_DIR}/vision_detect)
ocula_test(vision_detect_test SOURCES
  ${_detect_dir}/detector_parts_test.cc
  ${_detect_dir}/detector_manifest_test.cc
  ${_detect_dir}/object_detector_test.cc
  ${_detect_dir}/face_detector_test.cc
  ${_detect_dir}/detect_test_util.cc
  ${CMAKE_CURRENT_LIST_DIR}/vision/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS)
