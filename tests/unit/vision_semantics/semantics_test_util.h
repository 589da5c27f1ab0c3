// Shared fixtures for the semantics tests: the real WordNet and tables,
// loaded once per process, and small builders for inputs.
#pragma once

#include <string>
#include <vector>

#include "vision/classify/classifier.h"
#include "vision/feature_types.h"
#include "vision/semantics/semantics.h"

namespace ocula::testing_semantics {

// <repo>/models/semantics
std::string TablesDir();

// The real Semantics (models/semantics + /usr/share/wordnet), loaded once;
// aborts the test binary with the load error when it cannot be loaded.
const Semantics& RealSemantics();

ClassScore Class(const std::string& wnid, const std::string& name, float probability);
Detection Object(const std::string& label, float confidence, Box box = {0, 0, 100, 100});
Face MakeFace(Box box, float confidence = 0.9f);

}  // namespace ocula::testing_semantics
