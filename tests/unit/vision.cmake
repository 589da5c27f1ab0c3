# Vision unit tests. They read test images from ../shared/testdata and the
# models from the repo's models/ directory: run scripts/prepare-models.sh first
# (the tests fail with a message naming the missing file otherwise).
set(_vision_dir ${CMAKE_CURRENT_LIST_DIR}/vision)
ocula_test(vision_test SOURCES
  ${_vision_dir}/analyzer_test.cc
  ${_vision_dir}/classifier_test.cc
  ${_vision_dir}/embedding_test.cc
  ${_vision_dir}/head_training_test.cc
  ${_vision_dir}/image_structure_test.cc
  ${_vision_dir}/image_limits_test.cc
  ${_vision_dir}/image_test.cc
  ${_vision_dir}/model_manifest_test.cc
  ${_vision_dir}/model_runner_test.cc
  ${_vision_dir}/model_runner_timeout_test.cc
  ${_vision_dir}/region_features_test.cc
  ${_vision_dir}/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS nlohmann_json::nlohmann_json)

# Top-1/top-5 over the 100 ImageNet dev images with both engines (~10 s).
ocula_test(classification_accuracy_test SOURCES
  ${_vision_dir}/classification_accuracy_test.cc
  ${_vision_dir}/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS
  LABELS unit slow)

# The whole analyzer over the 100 ImageNet dev images: the predicted classes
# must land in the right broad category (dogs in animal_dog, ...).
ocula_test(category_accuracy_test SOURCES
  ${_vision_dir}/category_accuracy_test.cc
  ${_vision_dir}/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS nlohmann_json::nlohmann_json
  LABELS unit slow)

# Vision quality (issue 23): captions, tags and hallucinated boxes over the
# 100 ImageNet dev photos, for each engine and detector (~2.5 min on 2 cores).
ocula_test(vision_quality_test SOURCES
  ${_vision_dir}/vision_quality_test.cc
  ${_vision_dir}/quality_harness.cc
  ${_vision_dir}/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS
  LABELS unit slow)
