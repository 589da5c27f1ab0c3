// Model manifests: the model.toml beside each model file, which says how to
// feed the model and read its outputs, so that another ONNX model can be
// swapped in without recompiling. models/README.md documents the format.
//
// Thread-safety: pure functions and plain structs, safe for concurrent use.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

// How an image becomes the model's input tensor.
struct ModelInputSpec {
  std::string name;  // the model's input tensor name
  int width = 0;
  int height = 0;
  std::string layout = "NCHW";                    // or "NHWC"
  std::string color = "RGB";                      // or "BGR"
  std::string resize = "short_side_center_crop";  // or "stretch", or "letterbox" (detectors)
  int resize_short_side = 0;                      // for short_side_center_crop
  float scale = 1.0f;                             // pixel * scale, then (x - mean) / std
  std::array<float, 3> mean = {0, 0, 0};          // per channel, in `color` order
  std::array<float, 3> std = {1, 1, 1};
};

// Per input channel c, the model value for each 8-bit pixel:
// (p * scale - mean[c]) / std[c], so that preprocessing is one lookup a pixel.
using ChannelLuts = std::array<std::array<float, 256>, 3>;
ChannelLuts MakeChannelLuts(const ModelInputSpec& spec);

// Post-processing of a detector (task "objects" or "faces"): the optional
// [detector] table. Scores are 0..1 after the decoder.
struct DetectorSpec {
  float score_threshold = 0.5f;  // detections scoring less are dropped
  float nms_iou = 0.45f;         // a box overlapping a better one more than this is dropped
  int max_detections = 100;      // at most this many, best first
};

struct ModelManifest {
  std::string manifest_path;  // the model.toml it was read from
  std::string dir;            // the folder holding it; file names are relative to it
  std::string name;           // e.g. "mobilenetv2-12-int8-embed"
  std::string task;           // "classify", "objects" or "faces"
  std::string source;         // optional: the shared models folder the files come from
  std::string file;           // model file name
  std::string sha256;         // of the model file, lowercase hex
  std::string labels_file;    // labels file name; "" when none (allowed for "faces")
  std::string labels_sha256;
  ModelInputSpec input;
  std::map<std::string, std::string> outputs;  // role ("logits", ...) -> tensor name
  // classify: "softmax", "sigmoid" or "none"; objects: "fastestdet" or
  // "nanodet", "picodet"; faces: "yunet" or "ultraface".
  std::string decoder;
  DetectorSpec detector;  // for "objects" and "faces"

  std::string ModelPath() const { return dir + "/" + file; }
  std::string LabelsPath() const { return dir + "/" + labels_file; }
};

// Parses and validates manifest text; `manifest_path` names the file in
// messages and gives the directory. InvalidArgument naming the file and key
// for a syntax error, a missing key, a bad value or an unknown task/decoder.
StatusOr<ModelManifest> ParseModelManifest(std::string_view toml_text,
                                           const std::string& manifest_path);

// Checks that the model and labels files (when named) exist and match their sha256.
// NotFound ("model file X is missing; run scripts/prepare-models.sh ...") or
// FailedPrecondition ("model file X has sha256 Y, manifest says Z; ...").
Status VerifyModelFiles(const ModelManifest& manifest);

// The bytes of the file at `path`: NotFound when it cannot be opened,
// DataLoss when reading fails.
StatusOr<std::string> ReadWholeFile(const std::string& path);

// Reads `manifest_path`, parses it and verifies the files it names.
// NotFound when the manifest itself is missing; otherwise as above.
StatusOr<ModelManifest> LoadModelManifest(const std::string& manifest_path);

}  // namespace ocula
