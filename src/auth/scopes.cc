#include "auth/scopes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ocula {
namespace {
constexpr Scope kScopes[] = {Scope::kImagesWrite, Scope::kImagesRead, Scope::kImagesDelete,
                             Scope::kAnalyze, Scope::kAdmin, Scope::kTraining,
                             Scope::kPrediction};
}  // namespace

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kImagesWrite: return "images:write";
    case Scope::kImagesRead: return "images:read";
    case Scope::kImagesDelete: return "images:delete";
    case Scope::kAnalyze: return "analyze";
    case Scope::kAdmin: return "admin";
    case Scope::kTraining: return "training";
    case Scope::kPrediction: return "prediction";
  }
  return "";
}

StatusOr<ScopeSet> ParseScopes(std::string_view comma_separated) {
  ScopeSet set = 0;
  for (absl::string_view part : absl::StrSplit(AbslView(comma_separated), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    bool known = false;
    for (Scope scope : kScopes) {
      if (part == AbslView(ScopeName(scope))) {
        set |= Bit(scope);
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown scope '", part,
          "' (known: images:write, images:read, images:delete, analyze, admin, training, prediction)"));
    }
  }
  if (set == 0) return absl::InvalidArgumentError("at least one scope is required");
  return set;
}

std::string FormatScopes(ScopeSet scopes) {
  std::string out;
  for (Scope scope : kScopes) {
    if ((scopes & Bit(scope)) == 0) continue;
    if (!out.empty()) out += ',';
    out += ScopeName(scope);
  }
  return out;
}

}  // namespace ocula
