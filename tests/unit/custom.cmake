# Custom classifiers: training iterations and the training worker on the
# SQLite stores with synthetic features (no model needed), and the head blob
# format.
ocula_test(custom_test SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/custom/trainer_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/custom/training_worker_test.cc
  LIBS ocula_custom nlohmann_json::nlohmann_json)
# Shared test helpers: "storage/temp_dir.h".
target_include_directories(custom_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})

# Export: an exported classifier against Ocula's own predictions, on the
# repo's models (run scripts/prepare-models.sh first).
ocula_test(custom_export_test SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/custom/onnx_export_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/vision/vision_test_util.cc
  LIBS ocula_custom PkgConfig::VIPS)
target_include_directories(custom_export_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})

# Quality floors of custom classifiers on ../shared/testdata/custom (about
# 700 photos through the classifier: ~30 s).
ocula_test(custom_quality_test SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/custom/classifier_quality_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/vision/vision_test_util.cc
  LIBS ocula_custom PkgConfig::VIPS nlohmann_json::nlohmann_json
  LABELS unit slow)
target_include_directories(custom_quality_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
