#include "custom/head_codec.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ocula {
namespace {

static_assert(std::endian::native == std::endian::little, "heads are stored little-endian");

constexpr std::string_view kMagic = "ocula-head 1\n";

void AppendFloats(std::string& out, const std::vector<float>& values) {
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

Status Damaged(const std::string& why) {
  return absl::DataLossError(absl::StrCat("stored classifier head is damaged: ", why));
}

}  // namespace

std::string EncodeHead(const CentredHead& head, const std::vector<std::string>& tag_ids,
                       const std::string& feature_model) {
  const LinearHead& linear = head.linear();
  const nlohmann::json meta = {
      {"featureModel", feature_model},
      {"dim", linear.dim()},
      {"activation", linear.activation() == HeadActivation::kSigmoid ? "sigmoid" : "softmax"},
      {"classes", head.classes()},
      {"tagIds", tag_ids}};
  std::string out(kMagic);
  out += meta.dump();
  out += '\n';
  AppendFloats(out, head.mean());
  AppendFloats(out, linear.weights());
  AppendFloats(out, linear.bias());
  return out;
}

StatusOr<StoredHead> DecodeHead(std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) return Damaged("no ocula-head 1 header");
  bytes.remove_prefix(kMagic.size());
  const size_t newline = bytes.find('\n');
  if (newline == std::string_view::npos) return Damaged("no metadata line");
  const nlohmann::json meta = nlohmann::json::parse(bytes.substr(0, newline), nullptr, false);
  bytes.remove_prefix(newline + 1);
  if (!meta.is_object() || !meta.contains("dim") || !meta["dim"].is_number_integer() ||
      !meta.contains("classes") || !meta["classes"].is_array() || !meta.contains("tagIds") ||
      !meta["tagIds"].is_array() || meta["classes"].size() != meta["tagIds"].size()) {
    return Damaged("bad metadata");
  }
  StoredHead out;
  out.feature_model = meta.value("featureModel", "");
  out.tag_ids = meta["tagIds"].get<std::vector<std::string>>();
  auto classes = meta["classes"].get<std::vector<std::string>>();
  const int64_t dim = meta["dim"].get<int64_t>();
  const size_t k = classes.size();
  if (dim < 1 || dim > (1 << 20)) return Damaged("bad dimension");
  const size_t d = static_cast<size_t>(dim);
  if (bytes.size() != (d + k * d + k) * sizeof(float)) return Damaged("wrong size");
  const auto take = [&bytes](size_t n) {
    std::vector<float> values(n);
    std::memcpy(values.data(), bytes.data(), n * sizeof(float));
    bytes.remove_prefix(n * sizeof(float));
    return values;
  };
  std::vector<float> mean = take(d);
  std::vector<float> weights = take(k * d);
  std::vector<float> bias = take(k);
  const HeadActivation activation = meta.value("activation", "softmax") == "sigmoid"
                                        ? HeadActivation::kSigmoid
                                        : HeadActivation::kSoftmax;
  auto linear = LinearHead::Create(std::move(classes), static_cast<int>(dim), std::move(weights),
                                   std::move(bias), activation);
  if (!linear.ok()) return Damaged(std::string(linear.status().message()));
  out.head = std::make_unique<CentredHead>(std::move(mean), std::move(*linear));
  return out;
}

}  // namespace ocula
