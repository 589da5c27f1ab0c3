// FeatureSet: WHICH features a caller asks for (the values each produces are
// in feature_types.h; one whole analysis is a VisionResult, vision_result.h).
// The analysis features are named as the Computer Vision
// v3.2 `visualFeatures` parameter names them, plus Text (OCR), which the
// upload pipeline may run too.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

enum class Feature {
  kCategories,
  kTags,
  kDescription,
  kFaces,
  kImageType,
  kColor,
  kAdult,
  kObjects,
  kText,
  kCount  // not a feature
};

class FeatureSet {
 public:
  FeatureSet() = default;
  FeatureSet(std::initializer_list<Feature> features) {
    for (Feature f : features) Add(f);
  }
  void Add(Feature f) { bits_.set(static_cast<size_t>(f)); }
  bool Has(Feature f) const { return bits_.test(static_cast<size_t>(f)); }
  bool empty() const { return bits_.none(); }
  bool operator==(const FeatureSet&) const = default;

  // Every feature but Text: the upload pipeline's default.
  static FeatureSet AllButText();
  static FeatureSet All();

 private:
  std::bitset<static_cast<size_t>(Feature::kCount)> bits_;
};

// The contract name of a feature ("Categories", ..., "Text").
std::string_view FeatureName(Feature feature);

// Parses a comma-separated, case-insensitive list ("tags,Objects, color").
// InvalidArgument with reason NotSupportedVisualFeature for a name this
// server does not support (the message says which, and why for Brands).
// `allow_text` accepts "Text"/"Read" (pipeline configuration, not the v3.2 API).
StatusOr<FeatureSet> ParseFeatureList(std::string_view list, bool allow_text);

// "Categories,Tags,..." in contract order.
std::string FormatFeatureList(const FeatureSet& features);

}  // namespace ocula
