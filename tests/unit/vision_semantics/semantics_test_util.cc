#include "semantics_test_util.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace ocula::testing_semantics {

std::string TablesDir() { return std::string(OCULA_SOURCE_DIR) + "/models/semantics"; }

const Semantics& RealSemantics() {
  static const Semantics* semantics = [] {
    StatusOr<std::unique_ptr<Semantics>> loaded = Semantics::Load(TablesDir());
    if (!loaded.ok()) {
      std::fprintf(stderr, "cannot load semantics: %s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return loaded->release();
  }();
  return *semantics;
}

ClassScore Class(const std::string& wnid, const std::string& name, float probability) {
  ClassScore score;
  score.id = wnid;
  score.name = name;
  score.probability = probability;
  return score;
}

Detection Object(const std::string& label, float confidence, Box box) {
  return Detection{label, confidence, box};
}

Face MakeFace(Box box, float confidence) { return Face{box, confidence}; }

}  // namespace ocula::testing_semantics
