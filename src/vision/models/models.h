// vision/models: how Ocula finds and runs a model.
//
//   model_manifest.h  ModelManifest: a model directory's model.toml (file,
//                     sha256, input size and normalisation, output roles,
//                     decoder, labels), loaded and verified
//   model_runner.h    ModelRunner: one model on one input tensor, on ONNX
//                     Runtime or OpenCV DNN (InferenceOptions: engine,
//                     threads, time limit)
//   onnx_append.h     AppendToOnnxModel: new nodes and outputs added to a
//                     model's bytes (regions of a feature map, exported heads)
//
// model_runner_engines.h is internal: the two engines' factories behind
// CreateModelRunner. Every model wrapper (vision/classify, vision/detect)
// takes a manifest and InferenceOptions, so a new model of a known kind needs
// only a new model.toml.
#pragma once

#include "vision/models/model_manifest.h"  // IWYU pragma: export
#include "vision/models/model_runner.h"    // IWYU pragma: export
#include "vision/models/onnx_append.h"     // IWYU pragma: export
