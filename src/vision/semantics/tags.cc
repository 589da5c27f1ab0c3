#include "vision/semantics/tags.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"

namespace ocula {
namespace {

// Tags under construction, by name.
class TagSet {
 public:
  void Add(const std::string& name, float confidence, const std::string& hint) {
    Tag& tag = tags_[name];
    tag.name = name;
    tag.confidence = std::max(tag.confidence, std::min(confidence, 1.0f));
    if (tag.hint.empty()) tag.hint = hint;
  }

  std::vector<Tag> Sorted(const TagOptions& options) const {
    std::vector<Tag> out;
    for (const auto& [name, tag] : tags_) {
      if (tag.confidence >= options.min_confidence) out.push_back(tag);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Tag& a, const Tag& b) { return a.confidence > b.confidence; });
    size_t max = static_cast<size_t>(std::max(options.max_tags, 0));
    if (out.size() > max) out.resize(max);
    return out;
  }

 private:
  std::map<std::string, Tag> tags_;  // ordered: ties come out by name
};

// The nearest broad term in `terms` (nearest first) that is not `name`.
std::string HintFrom(const std::vector<BroadTerm>& terms, const std::string& name) {
  for (const BroadTerm& term : terms) {
    if (term.tag != name) return term.tag;
  }
  return "";
}

// Evidence for one broad term: summed over classes, maxed over detections.
struct BroadEvidence {
  std::string wnid;
  float class_sum = 0;
  float object_max = 0;
};

void AddClassTags(const Semantics& semantics, const std::vector<ClassScore>& classes, TagSet& tags,
                  std::map<std::string, BroadEvidence>& broad) {
  for (const ClassScore& cls : classes) {
    std::string name = absl::AsciiStrToLower(cls.name);
    std::vector<BroadTerm> terms = semantics.BroadTermsOf(cls.id);
    tags.Add(name, cls.probability, HintFrom(terms, name));
    for (const BroadTerm& term : terms) {
      BroadEvidence& evidence = broad[term.tag];
      if (evidence.wnid.empty()) evidence.wnid = term.wnid;
      evidence.class_sum += cls.probability;
    }
  }
}

void AddObjectTags(const Semantics& semantics, const std::vector<Detection>& objects, TagSet& tags,
                   std::map<std::string, BroadEvidence>& broad) {
  for (const Detection& object : objects) {
    const ObjectInfo* info = semantics.FindObject(object.label);
    std::string name = info ? info->label : absl::AsciiStrToLower(object.label);
    std::vector<BroadTerm> terms;
    if (info) terms = semantics.BroadTermsOf(info->wnid);
    tags.Add(name, object.confidence, HintFrom(terms, name));
    for (const BroadTerm& term : terms) {
      BroadEvidence& evidence = broad[term.tag];
      if (evidence.wnid.empty()) evidence.wnid = term.wnid;
      evidence.object_max = std::max(evidence.object_max, object.confidence);
    }
  }
}

}  // namespace

std::vector<Tag> MakeTags(const Semantics& semantics, const std::vector<ClassScore>& classes,
                          const std::vector<Detection>& objects, const TagOptions& options) {
  TagSet tags;
  std::map<std::string, BroadEvidence> broad;
  AddClassTags(semantics, classes, tags, broad);
  AddObjectTags(semantics, objects, tags, broad);
  for (const auto& [name, evidence] : broad) {
    std::string hint = HintFrom(semantics.BroadTermsOf(evidence.wnid), name);
    tags.Add(name, std::max(evidence.class_sum, evidence.object_max), hint);
  }
  return tags.Sorted(options);
}

std::vector<std::string> DescriptionTags(const std::vector<Tag>& tags, int max_tags) {
  std::vector<std::string> names;
  for (const Tag& tag : tags) {
    if (names.size() >= static_cast<size_t>(std::max(max_tags, 0))) break;
    names.push_back(tag.name);
  }
  return names;
}

}  // namespace ocula
