#include "vision/semantics/evidence.h"

namespace ocula {

bool IsAnimalOrFood(const WordNet& wordnet, std::string_view wnid) {
  static constexpr char kAnimal[] = "n00015388";
  // WordNet files foods under two roots: "food, nutrient" (dishes, the
  // sandwich, pizza) and "food, solid food" (fruit, vegetables, baked goods).
  static constexpr const char* kFoods[] = {"n00021265", "n07555863"};
  if (wordnet.IsA(wnid, kAnimal)) return true;
  for (const char* food : kFoods) {
    if (wordnet.IsA(wnid, food)) return true;
  }
  return false;
}

EvidenceFilter::EvidenceFilter(const Semantics& semantics,
                               const std::vector<std::string>& classifier_ids,
                               EvidenceOptions options)
    : semantics_(semantics), options_(options) {
  const WordNet& wordnet = semantics.wordnet();
  // How many classifier classes lie under each synset: one walk up from
  // every class (each ancestor is listed once per class).
  std::unordered_map<std::string, size_t> classes_under;
  for (const std::string& id : classifier_ids) {
    for (const auto& level : wordnet.AncestorLevels(id)) {
      for (const std::string& ancestor : level) ++classes_under[ancestor];
    }
  }
  for (const ObjectInfo& object : semantics.tables().objects) {
    if (!IsAnimalOrFood(wordnet, object.wnid)) continue;
    // Up the chain of first hypernyms (WordNet's "is a kind of"; secondary
    // parents such as "domestic animal" would make a cat kin to every dog).
    std::string& kin = kin_of_[object.label];
    const std::vector<std::string> path = wordnet.HypernymPath(object.wnid);
    for (int level = 0; level <= options.kin_levels && level < static_cast<int>(path.size());
         ++level) {
      auto found = classes_under.find(path[level]);
      const size_t covered = found == classes_under.end() ? 0 : found->second;
      if (covered > options.max_kin_classes) break;
      if (covered > 0) kin = path[level];
    }
  }
}

bool EvidenceFilter::Keep(const std::vector<ClassScore>& classes,
                          const Detection& detection) const {
  auto it = kin_of_.find(detection.label);
  if (it == kin_of_.end()) return true;
  const std::string& kin = it->second;
  if (kin.empty()) return detection.confidence >= options_.unchecked_box;
  if (detection.confidence >= options_.sure_box) return true;
  float support = 0;
  for (const ClassScore& c : classes) {
    if (semantics_.wordnet().IsA(c.id, kin)) support += c.probability;
  }
  return support >= options_.min_class_support;
}

std::vector<Detection> EvidenceFilter::Filter(const std::vector<ClassScore>& classes,
                                              std::vector<Detection> detections) const {
  std::vector<Detection> kept;
  kept.reserve(detections.size());
  for (Detection& d : detections) {
    if (Keep(classes, d)) kept.push_back(std::move(d));
  }
  return kept;
}

}  // namespace ocula
