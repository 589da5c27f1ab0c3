// Tags: the Computer Vision `tags[]{name, confidence, hint}` from classifier
// classes and object detections, widened with WordNet broad terms. The rules
// are documented in models/semantics/README.md.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include "vision/classify/classifier.h"
#include "vision/feature_types.h"
#include "vision/semantics/semantics.h"

namespace ocula {

struct TagOptions {
  float min_confidence = 0.02f;  // tags below this are dropped
  int max_tags = 20;
};

// Tags, best first (ties by name), each name once, at most max_tags:
//  - each class: its display name in lower case with its probability;
//  - each detection: its canonical COCO label with its confidence;
//  - each broad term (broad_terms.tsv) among a class's or label's WordNet
//    ancestors: confidence = the SUM of the probabilities of the classes under
//    it (classifier classes are mutually exclusive, so P(dog) is the sum over
//    the breeds), or the MAX confidence of the detections under it (detections
//    are not exclusive), whichever is higher, capped at 1;
//  - hint: the nearest broad term above the tag ("golden retriever" -> "dog",
//    "dog" -> "animal"); "" for the broadest terms and unknown labels.
// A name produced twice keeps its highest confidence.
std::vector<Tag> MakeTags(const Semantics& semantics, const std::vector<ClassScore>& classes,
                          const std::vector<Detection>& objects, const TagOptions& options = {});

// `description.tags`: the names of the first `max_tags` tags.
std::vector<std::string> DescriptionTags(const std::vector<Tag>& tags, int max_tags = 10);

}  // namespace ocula
