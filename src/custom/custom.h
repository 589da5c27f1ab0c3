// custom: custom classifiers (issue 24), built on vision/classify's
// RegionFeatures and head training and metadata's CustomVisionStore.
//
//   head_codec.h  a trained head as the bytes of its blob, and back
//   trainer.h     TrainIteration: one iteration of a project, trained and
//                 cross-validated
#pragma once

#include "custom/head_codec.h"  // IWYU pragma: export
#include "custom/trainer.h"     // IWYU pragma: export
