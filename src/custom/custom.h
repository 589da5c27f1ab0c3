// custom: custom classifiers (issue 24), built on vision/classify's
// RegionFeatures and head training and metadata's CustomVisionStore.
//
//   head_codec.h  a trained head as the bytes of its blob, and back
//   trainer.h     TrainIteration: one iteration of a project, trained and
//                 cross-validated
//   training_worker.h  the background thread that trains iterations under a
//                 lease, in the processes that analyse
//   predictor.h   predictions of a trained iteration, heads cached
//   pipeline_classifiers.h  classifiers attached to the upload pipeline,
//                 and their re-runs over earlier images
//   onnx_export.h a trained iteration as one ONNX file (backbone + head)
#pragma once

#include "custom/head_codec.h"            // IWYU pragma: export
#include "custom/onnx_export.h"           // IWYU pragma: export
#include "custom/pipeline_classifiers.h"  // IWYU pragma: export
#include "custom/predictor.h"             // IWYU pragma: export
#include "custom/trainer.h"               // IWYU pragma: export
#include "custom/training_worker.h"       // IWYU pragma: export
