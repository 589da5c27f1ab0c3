// Extending an ONNX model without parsing it. An ONNX file is one protobuf
// message (ModelProto) whose field 7 is the graph. Protobuf merges a message
// field that appears twice, concatenating its repeated fields, so appending
// a second "graph" field holding only new nodes, initializers and outputs
// to the file's bytes gives the same model with those added: existing
// tensors keep their names and the new nodes can read them.
//
// Ocula uses this twice: to read pooled regions of the classifier's last
// feature map (custom classifiers' features) and to export a custom
// classifier as one file (backbone + head).
//
// The appended nodes must use operators of the model's opset and read only
// tensors that exist; the engine that loads the result checks both.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ocula {

struct OnnxAttribute {
  std::string name;
  std::variant<int64_t, std::vector<int64_t>> value;
};

struct OnnxNode {
  std::string op_type;  // e.g. "AveragePool", in the default (ai.onnx) domain
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<OnnxAttribute> attributes;
};

// A constant float tensor (weights, means) the new nodes read.
struct OnnxInitializer {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> values;  // row-major, the product of dims values
};

// A new graph output: a float tensor of `rank` dimensions of unstated sizes
// (OpenCV DNN needs the rank declared).
struct OnnxOutput {
  std::string name;
  int rank = 0;
};

struct OnnxGraphAddition {
  std::vector<OnnxNode> nodes;
  std::vector<OnnxInitializer> initializers;
  std::vector<OnnxOutput> outputs;
  // Added to the model's metadata_props (key, value): what a reader of the
  // file needs to know about the new outputs.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The bytes of `model` (a serialized ModelProto) with `addition` merged into
// its graph (and its metadata into the model's).
std::string AppendToOnnxModel(std::string_view model, const OnnxGraphAddition& addition);

}  // namespace ocula
