#include "vision/models/onnx_append.h"

#include <bit>
#include <string>
#include <type_traits>

namespace ocula {
namespace {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw tensor data is little-endian; this encoder copies floats as they are");

// Protobuf wire format: just what ONNX's messages below need.
class Writer {
 public:
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void Tag(int field, int wire_type) { Varint(static_cast<uint64_t>(field) << 3 | wire_type); }
  void Int(int field, int64_t value) {
    Tag(field, 0);
    Varint(static_cast<uint64_t>(value));
  }
  void Bytes(int field, std::string_view value) {
    Tag(field, 2);
    Varint(value.size());
    out_.append(value);
  }
  void PackedInts(int field, const std::vector<int64_t>& values) {
    Writer packed;
    for (int64_t value : values) packed.Varint(static_cast<uint64_t>(value));
    Bytes(field, packed.out_);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// onnx.proto field numbers and enum values.
namespace field {
constexpr int kModelGraph = 7, kModelMetadataProps = 14;
constexpr int kEntryKey = 1, kEntryValue = 2;
constexpr int kGraphNode = 1, kGraphInitializer = 5, kGraphOutput = 12;
constexpr int kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4, kNodeAttribute = 5;
constexpr int kAttrName = 1, kAttrInt = 3, kAttrInts = 8, kAttrType = 20;
constexpr int kTensorDims = 1, kTensorDataType = 2, kTensorName = 8, kTensorRawData = 9;
constexpr int kValueInfoName = 1, kValueInfoType = 2;
constexpr int kTypeTensor = 1, kTensorTypeElemType = 1, kTensorTypeShape = 2;
constexpr int kShapeDim = 1, kDimParam = 2;
}  // namespace field
constexpr int kAttrTypeInt = 2, kAttrTypeInts = 7;
constexpr int kElemFloat = 1;

std::string Attribute(const OnnxAttribute& attribute) {
  Writer w;
  w.Bytes(field::kAttrName, attribute.name);
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          w.Int(field::kAttrInt, value);
          w.Int(field::kAttrType, kAttrTypeInt);
        } else {
          for (int64_t v : value) w.Int(field::kAttrInts, v);
          w.Int(field::kAttrType, kAttrTypeInts);
        }
      },
      attribute.value);
  return w.Take();
}

std::string Node(const OnnxNode& node) {
  Writer w;
  for (const std::string& input : node.inputs) w.Bytes(field::kNodeInput, input);
  for (const std::string& output : node.outputs) w.Bytes(field::kNodeOutput, output);
  w.Bytes(field::kNodeName, node.outputs.empty() ? node.op_type : node.outputs.front());
  w.Bytes(field::kNodeOpType, node.op_type);
  for (const OnnxAttribute& attribute : node.attributes) {
    w.Bytes(field::kNodeAttribute, Attribute(attribute));
  }
  return w.Take();
}

std::string Initializer(const OnnxInitializer& tensor) {
  Writer w;
  w.PackedInts(field::kTensorDims, tensor.dims);
  w.Int(field::kTensorDataType, kElemFloat);
  w.Bytes(field::kTensorName, tensor.name);
  w.Bytes(field::kTensorRawData,
          std::string_view(reinterpret_cast<const char*>(tensor.values.data()),
                           tensor.values.size() * sizeof(float)));
  return w.Take();
}

std::string FloatOutput(const OnnxOutput& output) {
  Writer shape;
  for (int i = 0; i < output.rank; ++i) {
    Writer dim;
    dim.Bytes(field::kDimParam, output.name + "_d" + std::to_string(i));
    shape.Bytes(field::kShapeDim, dim.Take());
  }
  Writer tensor_type;
  tensor_type.Int(field::kTensorTypeElemType, kElemFloat);
  tensor_type.Bytes(field::kTensorTypeShape, shape.Take());
  Writer type;
  type.Bytes(field::kTypeTensor, tensor_type.Take());
  Writer w;
  w.Bytes(field::kValueInfoName, output.name);
  w.Bytes(field::kValueInfoType, type.Take());
  return w.Take();
}

}  // namespace

std::string AppendToOnnxModel(std::string_view model, const OnnxGraphAddition& addition) {
  Writer graph;
  for (const OnnxNode& node : addition.nodes) graph.Bytes(field::kGraphNode, Node(node));
  for (const OnnxInitializer& tensor : addition.initializers) {
    graph.Bytes(field::kGraphInitializer, Initializer(tensor));
  }
  for (const OnnxOutput& output : addition.outputs) {
    graph.Bytes(field::kGraphOutput, FloatOutput(output));
  }
  Writer tail;
  tail.Bytes(field::kModelGraph, graph.Take());
  for (const auto& [key, value] : addition.metadata) {
    Writer entry;
    entry.Bytes(field::kEntryKey, key);
    entry.Bytes(field::kEntryValue, value);
    tail.Bytes(field::kModelMetadataProps, entry.Take());
  }
  std::string out(model);
  out += tail.Take();
  return out;
}

}  // namespace ocula
