#include "vision/feature_set.h"

#include <algorithm>
#include <cctype>

namespace ocula {
namespace {

constexpr std::string_view kNames[] = {"Categories", "Tags",  "Description", "Faces", "ImageType",
                                       "Color",      "Adult", "Objects",     "Text"};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

FeatureSet FeatureSet::AllButText() {
  FeatureSet all = All();
  all.bits_.reset(static_cast<size_t>(Feature::kText));
  return all;
}

FeatureSet FeatureSet::All() {
  FeatureSet all;
  all.bits_.set();
  return all;
}

std::string_view FeatureName(Feature feature) { return kNames[static_cast<size_t>(feature)]; }

StatusOr<FeatureSet> ParseFeatureList(std::string_view list, bool allow_text) {
  FeatureSet set;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = Trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name.empty()) continue;
    if (allow_text && EqualsIgnoreCase(name, "Read")) name = "Text";
    bool found = false;
    for (size_t i = 0; i < static_cast<size_t>(Feature::kCount); ++i) {
      if (!EqualsIgnoreCase(name, kNames[i])) continue;
      if (static_cast<Feature>(i) == Feature::kText && !allow_text) break;
      set.Add(static_cast<Feature>(i));
      found = true;
    }
    if (found) continue;
    std::string message = "visual feature '" + std::string(name) + "' is not supported";
    if (EqualsIgnoreCase(name, "Brands")) {
      message += ": no brand-detection model is installed, so Ocula does not report brands";
    } else {
      message +=
          "; supported: Categories, Tags, Description, Faces, ImageType, Color, Adult, Objects";
      if (allow_text) message += ", Text";
    }
    return WithReason(absl::InvalidArgumentError(message), reason::kNotSupportedVisualFeature);
  }
  return set;
}

std::string FormatFeatureList(const FeatureSet& features) {
  std::string out;
  for (size_t i = 0; i < static_cast<size_t>(Feature::kCount); ++i) {
    if (!features.Has(static_cast<Feature>(i))) continue;
    if (!out.empty()) out += ",";
    out += kNames[i];
  }
  return out;
}

}  // namespace ocula
