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

// The metadata line; DataLoss unless every field has its type.
struct HeadMeta {
  std::string feature_model;
  int64_t dim = 0;
  HeadActivation activation = HeadActivation::kSoftmax;
  std::vector<std::string> classes;
  std::vector<std::string> tag_ids;
};

StatusOr<HeadMeta> ParseMeta(std::string_view line) {
  const nlohmann::json meta = nlohmann::json::parse(line, nullptr, false);
  HeadMeta out;
  try {
    out.feature_model = meta.at("featureModel").get<std::string>();
    out.dim = meta.at("dim").get<int64_t>();
    const std::string activation = meta.at("activation").get<std::string>();
    if (activation != "softmax" && activation != "sigmoid") return Damaged("unknown activation");
    out.activation = activation == "sigmoid" ? HeadActivation::kSigmoid : HeadActivation::kSoftmax;
    out.classes = meta.at("classes").get<std::vector<std::string>>();
    out.tag_ids = meta.at("tagIds").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return Damaged(absl::StrCat("bad metadata (", e.what(), ")"));
  }
  if (out.classes.size() != out.tag_ids.size()) return Damaged("one tag id per class expected");
  if (out.dim < 1 || out.dim > (1 << 20)) return Damaged("bad dimension");
  return out;
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
  OCULA_ASSIGN_OR_RETURN(HeadMeta meta, ParseMeta(bytes.substr(0, newline)));
  bytes.remove_prefix(newline + 1);
  const size_t d = static_cast<size_t>(meta.dim), k = meta.classes.size();
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
  auto linear = LinearHead::Create(std::move(meta.classes), static_cast<int>(d), std::move(weights),
                                   std::move(bias), meta.activation);
  if (!linear.ok()) return Damaged(std::string(linear.status().message()));
  return StoredHead{std::move(meta.feature_model), std::move(meta.tag_ids),
                    std::make_unique<CentredHead>(std::move(mean), std::move(*linear))};
}

}  // namespace ocula
