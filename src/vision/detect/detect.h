// vision/detect: the Objects and Faces features.
//
//   object_detector.h  ObjectDetector: COCO-80 boxes (FastestDet, NanoDet)
//   face_detector.h    FaceDetector: face boxes (YuNet, UltraFace)
//
// Both are built on the internal parts, which a new detector reuses:
// detector_core.h (manifest checks, runner, decode, suppression),
// detector_input.h (letterboxing into the model input), detector_decoders.h
// (one decoder per output layout, chosen by the manifest's `decoder`) and
// nms.h (non-maximum suppression). Models are described by manifests
// (vision/models) and run on either engine.
#pragma once

#include "vision/detect/face_detector.h"    // IWYU pragma: export
#include "vision/detect/object_detector.h"  // IWYU pragma: export
