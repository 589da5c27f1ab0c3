// Captions: `description.captions[]{text, confidence}`. The first names the
// photo's subject as the classifier sees it (its top class, or the WordNet
// ancestor that holds enough of its probability when it is unsure between
// siblings), with detected people as context; geometry rules for people
// come before it (a close-up of one large face, a person riding a horse);
// the detected objects' noun phrases ("two dogs and a bicycle") follow as
// another candidate. No verb without a rule that supports it. The rules are
// documented in models/semantics/README.md; boxes the classifier
// contradicts are removed before (evidence.h).
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vision/classify/classifier.h"
#include "vision/feature_types.h"
#include "vision/semantics/semantics.h"

namespace ocula {

// What Describe looks at. The vectors are borrowed for the call.
struct CaptionInputs {
  const std::vector<ClassScore>& classes;
  const std::vector<Detection>& objects;
  const std::vector<Face>& faces;
  int image_width = 0;
  int image_height = 0;
};

struct CaptionOptions {
  int max_candidates = 1;  // the API's maxCandidates
  int max_phrases = 3;     // "a, b and c" at most
  float min_object_confidence = 0.4f;
  float subject_probability = 0.5f;    // the subject named, or an ancestor holding this much
  int hedge_levels = 3;                // how far up WordNet an ancestor may be
  float min_class_probability = 0.2f;  // below it, the top class comes after the objects
  float min_people_confidence = 0.5f;  // people named beside the subject
  float closeup_face_area = 0.15f;     // one face this large: "a close-up of a person's face"
};

// Caption candidates, at most max_candidates, distinct texts. The first is
// the most specific rule that fired (close-up, riding, the subject, the
// object phrases, in that order; the top class below min_class_probability
// when none fired); the others follow by confidence.
// Confidence of a caption: the mean of the scores that support it (one per
// noun phrase: the best detection of that label; the face; the probability
// the subject holds).
// Empty when there is nothing to say.
std::vector<Caption> Describe(const Semantics& semantics, const CaptionInputs& inputs,
                              const CaptionOptions& options = {});

// English helpers, exposed for tests.
std::string Pluralize(std::string_view noun);  // "bus" -> "buses", "person" -> "people"
std::string WithArticle(
    std::string_view noun);  // "apple" -> "an apple", "unicycle" -> "a unicycle"
// "a dog", "two dogs", ... "many dogs"; people: "a person", "two people",
// "a group of people" (3-9), "a crowd of people" (10+).
std::string CountedPhrase(std::string_view noun, int count);

// True when `rider` sits on `mount`: horizontally centred over it, its top
// above the mount's top, its bottom inside the mount's box between 30 % and
// 90 % of the mount's height (a standing person's feet reach the ground line).
bool IsRiding(const Box& rider, const Box& mount);

}  // namespace ocula
