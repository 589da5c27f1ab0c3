// A trained custom classifier as one ONNX file that runs without Ocula:
// the classifier backbone Ocula computes features with, the 2 x 2 region
// pooling of its last feature map (region_features.h), and the head.
//
// Input: the backbone's (for MobileNetV2, "input", float32 N x 3 x 224 x 224)
// with Ocula's preprocessing for custom classifiers: the whole photo, EXIF
// orientation applied, stretched (not cropped) to the input size, RGB, each
// value (pixel / 255 - mean[c]) / std[c] with the manifest's mean and std.
// The file's metadata says so ("ocula.preprocessing").
// Output: "probabilities", N x K (softmax; sigmoid for Multilabel heads), in
// the order of the metadata's "ocula.classes" (tag names, JSON) and
// "ocula.tagIds". The backbone's own outputs (ImageNet) stay in the file.
//
// Given the same input tensor, ONNX Runtime gives the probabilities Ocula's
// predictions give (the test suite checks it within 1e-4), when its session
// sets session.x64quantprecision = 1 as Ocula's does ("ocula.runtime"):
// without it, the int8 backbone's products overflow on x86-64 CPUs without
// VNNI and probabilities move by about a percent.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include "core/status.h"
#include "custom/head_codec.h"

namespace ocula {

// The file for `head`, built on the classifier in `model_dir`/classify.
// FailedPrecondition when the head was trained on another model's
// features; NotFound / InvalidArgument for a missing or bad manifest.
StatusOr<std::string> ExportOnnx(const std::string& model_dir, const StoredHead& head);

}  // namespace ocula
