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
  std::string resize = "short_side_center_crop";  // or "stretch"
  int resize_short_side = 0;                      // for short_side_center_crop
  float scale = 1.0f;                             // pixel * scale, then (x - mean) / std
  std::array<float, 3> mean = {0, 0, 0};          // per channel, in `color` order
  std::array<float, 3> std = {1, 1, 1};
};

struct ModelManifest {
  std::string manifest_path;  // the model.toml it was read from
  std::string dir;            // the folder holding it; file names are relative to it
  std::string name;           // e.g. "mobilenetv2-12-int8-embed"
  std::string task;           // "classify"
  std::string file;           // model file name
  std::string sha256;         // of the model file, lowercase hex
  std::string labels_file;    // labels file name
  std::string labels_sha256;
  ModelInputSpec input;
  std::map<std::string, std::string> outputs;  // role ("logits", ...) -> tensor name
  std::string decoder;                         // "softmax", "sigmoid" or "none"

  std::string ModelPath() const { return dir + "/" + file; }
  std::string LabelsPath() const { return dir + "/" + labels_file; }
};

// Parses and validates manifest text; `manifest_path` names the file in
// messages and gives the directory. InvalidArgument naming the file and key
// for a syntax error, a missing key, a bad value or an unknown task/decoder.
StatusOr<ModelManifest> ParseModelManifest(std::string_view toml_text,
                                           const std::string& manifest_path);

// Checks that the model and labels files exist and match their sha256.
// NotFound ("model file X is missing; run scripts/prepare-models.sh ...") or
// FailedPrecondition ("model file X has sha256 Y, manifest says Z; ...").
Status VerifyModelFiles(const ModelManifest& manifest);

// Reads `manifest_path`, parses it and verifies the files it names.
// NotFound when the manifest itself is missing; otherwise as above.
StatusOr<ModelManifest> LoadModelManifest(const std::string& manifest_path);

}  // namespace ocula
