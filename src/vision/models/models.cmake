# models/: model manifests (model.toml) and the runners per engine.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_manifest.cc
  ${CMAKE_CURRENT_LIST_DIR}/model_runner.cc
  ${CMAKE_CURRENT_LIST_DIR}/model_runner_onnx.cc
  ${CMAKE_CURRENT_LIST_DIR}/model_runner_opencv.cc
  ${CMAKE_CURRENT_LIST_DIR}/onnx_append.cc)
