// Evidence: the object detector and the classifier look at the same photo;
// where they disagree about an animal or a food, the detector is the one
// that is usually wrong (FastestDet finds birds on snakes and bananas on
// rugs). Ocula keeps only the boxes the classifier does not contradict, and
// tags, categories, captions and `objects` all use the kept ones, so that a
// box a person would call wrong is not drawn, tagged or described.
//
// The rule, per box of a COCO label whose WordNet synset is an animal or a
// food (people, vehicles, furniture and other things are always kept: they
// really appear in most photos, and the classifier names one thing only):
//  - the label's kin is the broadest synset on its chain of first WordNet
//    hypernyms, at most `kin_levels` above it, that holds at most
//    `max_kin_classes` classifier classes ("horse" -> ungulate: ox, zebra,
//    ram, ...; "bird" -> bird, as "vertebrate" above it holds a third of
//    ImageNet). ImageNet's one horse class is the sorrel: on the horses of
//    testdata/detect/horses.jpg the classifier backs other ungulates, not
//    the sorrel, while a bird box on a snake finds no bird among its top
//    classes. Secondary parents are not followed ("domestic animal" would
//    make a cat kin to every dog);
//  - when the kin holds classifier classes, the box is kept if they hold at
//    least `min_class_support` of the classifier's probability, or if the
//    box's own confidence is at least `sure_box`;
//  - when it holds none, the classifier cannot speak for or against the box:
//    it is kept if its confidence is at least `unchecked_box`.
// The measured effect is in models/semantics/README.md.
//
// Thread-safety: immutable after construction; safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vision/classify/classifier.h"
#include "vision/feature_types.h"
#include "vision/semantics/semantics.h"

namespace ocula {

struct EvidenceOptions {
  int kin_levels = 3;
  size_t max_kin_classes = 150;
  float min_class_support = 0.05f;
  float sure_box = 0.9f;
  float unchecked_box = 0.6f;
};

// True when `wnid` is an animal or a food in WordNet (foods have two roots):
// the labels whose boxes the filter checks.
bool IsAnimalOrFood(const WordNet& wordnet, std::string_view wnid);

class EvidenceFilter {
 public:
  // `classifier_ids`: the WordNet ids of every class the classifier has.
  EvidenceFilter(const Semantics& semantics, const std::vector<std::string>& classifier_ids,
                 EvidenceOptions options = {});

  // The detections the classifier's `classes` (its top classes with their
  // probabilities) do not contradict, in their order. Labels must be
  // canonical (Semantics::CanonicalLabel), as the analyzer makes them.
  std::vector<Detection> Filter(const std::vector<ClassScore>& classes,
                                std::vector<Detection> detections) const;

 private:
  bool Keep(const std::vector<ClassScore>& classes, const Detection& detection) const;

  const Semantics& semantics_;
  const EvidenceOptions options_;
  // The kin synset of each animal and food label (by canonical label); empty
  // when no classifier class lies under it.
  std::unordered_map<std::string, std::string> kin_of_;
};

}  // namespace ocula
