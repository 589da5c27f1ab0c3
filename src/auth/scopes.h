// What an API key may do. A key holds a set of scopes; `admin` implies all.
//
//   images:write   upload (POST /v1/images), mint signed upload URLs
//   images:read    read images, thumbnails, lists, labels, the event stream
//   images:delete  delete images
//   analyze        the Computer Vision endpoints (/vision/v3.2/*)
//   training       custom classifiers: projects, tags, images, training,
//                  publishing, export (/v1/custom, /customvision/.../training)
//   prediction     predicting with a published custom classifier
//                  (/customvision/.../prediction, /v1/custom/.../classify)
//   admin          everything, and managing keys (/v1/keys)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

enum class Scope : uint32_t {
  kImagesWrite = 1u << 0,
  kImagesRead = 1u << 1,
  kImagesDelete = 1u << 2,
  kAnalyze = 1u << 3,
  kAdmin = 1u << 4,
  kTraining = 1u << 5,
  kPrediction = 1u << 6,
};

// A set of scopes as a bit mask.
using ScopeSet = uint32_t;

inline constexpr ScopeSet kAllScopes = 0x7f;

constexpr ScopeSet Bit(Scope scope) { return static_cast<ScopeSet>(scope); }

// True when `granted` includes `needed` (admin includes everything).
constexpr bool Allows(ScopeSet granted, Scope needed) {
  return (granted & (Bit(needed) | Bit(Scope::kAdmin))) != 0;
}

std::string_view ScopeName(Scope scope);

// "images:read,analyze" -> set. InvalidArgument naming an unknown scope, or
// for an empty list.
StatusOr<ScopeSet> ParseScopes(std::string_view comma_separated);

// The set as "images:write,images:read,..." in the order of the enum.
std::string FormatScopes(ScopeSet scopes);

}  // namespace ocula
