#include "vision/semantics/captions.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"

namespace ocula {
namespace {

constexpr std::string_view kPerson = "person";

// COCO labels said differently in a sentence.
std::string CaptionNoun(const std::string& label) {
  static const std::map<std::string, std::string, std::less<>> kNouns = {
      {"sports ball", "ball"},
      {"tv", "television"},
      {"hair drier", "hair dryer"},
      {"remote", "remote control"},
      {"skis", "pair of skis"}};
  auto it = kNouns.find(label);
  return it == kNouns.end() ? label : it->second;
}

// Labels a person can ride, with the verb the geometry supports.
bool IsMount(const std::string& label) {
  static constexpr std::array<std::string_view, 4> kMounts = {"horse", "bicycle", "motorcycle",
                                                              "elephant"};
  return std::find(kMounts.begin(), kMounts.end(), label) != kMounts.end();
}

// All detections of one label.
struct LabelGroup {
  std::string label;
  int count = 0;
  float best = 0;
  std::vector<Box> boxes;
};

std::vector<LabelGroup> GroupObjects(const Semantics& semantics, const CaptionInputs& inputs,
                                     const CaptionOptions& options) {
  std::map<std::string, LabelGroup> groups;
  for (const Detection& object : inputs.objects) {
    if (object.confidence < options.min_object_confidence) continue;
    LabelGroup& group = groups[semantics.CanonicalLabel(object.label)];
    group.label = semantics.CanonicalLabel(object.label);
    ++group.count;
    group.best = std::max(group.best, object.confidence);
    group.boxes.push_back(object.box);
  }
  std::vector<LabelGroup> out;
  for (auto& [label, group] : groups) out.push_back(std::move(group));
  std::stable_sort(out.begin(), out.end(),
                   [](const LabelGroup& a, const LabelGroup& b) { return a.best > b.best; });
  return out;
}

float Mean(const std::vector<float>& values) {
  float sum = 0;
  for (float v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<float>(values.size());
}

std::string JoinPhrases(const std::vector<std::string>& phrases) {
  std::string text;
  for (size_t i = 0; i < phrases.size(); ++i) {
    if (i > 0) text += i + 1 == phrases.size() ? " and " : ", ";
    text += phrases[i];
  }
  return text;
}

float AreaFraction(const Box& box, int width, int height) {
  if (width <= 0 || height <= 0) return 0;
  return static_cast<float>(box.w) * static_cast<float>(box.h) /
         (static_cast<float>(width) * static_cast<float>(height));
}

// "a close-up of a person's face": one face, large, and no other objects.
std::optional<Caption> CloseUpCaption(const CaptionInputs& inputs,
                                      const std::vector<LabelGroup>& groups,
                                      const CaptionOptions& options) {
  if (inputs.faces.size() != 1) return std::nullopt;
  for (const LabelGroup& group : groups) {
    if (group.label != kPerson || group.count > 1) return std::nullopt;
  }
  const Face& face = inputs.faces.front();
  if (AreaFraction(face.box, inputs.image_width, inputs.image_height) < options.closeup_face_area) {
    return std::nullopt;
  }
  return Caption{"a close-up of a person's face", face.confidence};
}

// "a person riding a horse": exactly one person on exactly one mount.
std::optional<Caption> RidingCaption(const std::vector<LabelGroup>& groups) {
  const LabelGroup* person = nullptr;
  for (const LabelGroup& group : groups) {
    if (group.label == kPerson) person = &group;
  }
  if (person == nullptr || person->count != 1) return std::nullopt;
  for (const LabelGroup& group : groups) {
    if (!IsMount(group.label) || group.count != 1) continue;
    if (IsRiding(person->boxes.front(), group.boxes.front())) {
      return Caption{"a person riding " + WithArticle(group.label),
                     Mean({person->best, group.best})};
    }
  }
  return std::nullopt;
}

// The classifier's top class as a caption, its probability as confidence.
std::optional<Caption> TopClassCaption(const CaptionInputs& inputs) {
  if (inputs.classes.empty() || inputs.classes.front().name.empty()) return std::nullopt;
  const ClassScore& top = inputs.classes.front();
  return Caption{WithArticle(top.name), top.probability};
}

// What the classifier is sure the photo shows: its top class when that holds
// `subject_probability`; else the nearest ancestor on the top class's chain
// of first WordNet hypernyms, at most `hedge_levels` above it, under which
// the classifier's classes hold that much together (a thunder snake, a night
// snake and a hognose snake at 0.3, 0.2, 0.15: "a colubrid snake"), as
// hierarchical "hedging" classifiers do; else the top class when it holds
// min_class_probability. Its confidence is the probability it holds.
std::optional<Caption> Subject(const Semantics& semantics, const CaptionInputs& inputs,
                               const CaptionOptions& options) {
  std::optional<Caption> top_class = TopClassCaption(inputs);
  if (!top_class) return std::nullopt;
  const ClassScore& top = inputs.classes.front();
  if (top.probability >= options.subject_probability) return top_class;
  // Up the chain of first hypernyms only: a secondary parent can be far
  // broader than the main line at that height (a cat's "domestic animal"
  // holds every dog breed).
  const WordNet& wordnet = semantics.wordnet();
  const std::vector<std::string> path = wordnet.HypernymPath(top.id);
  for (int level = 1; level <= options.hedge_levels && level < static_cast<int>(path.size());
       ++level) {
    float mass = 0;
    for (const ClassScore& c : inputs.classes) {
      if (wordnet.IsA(c.id, path[level])) mass += c.probability;
    }
    if (mass >= options.subject_probability) {
      return Caption{WithArticle(wordnet.Name(path[level])), std::min(mass, 1.0f)};
    }
  }
  if (top.probability >= options.min_class_probability) return top_class;
  return std::nullopt;
}

// The subject, with the people around it as context ("a person and a
// golden retriever"): detected people are real in most photos, and the
// classifier (ImageNet) has no class for them.
std::optional<Caption> SubjectCaption(const Semantics& semantics, const CaptionInputs& inputs,
                                      const std::vector<LabelGroup>& groups,
                                      const CaptionOptions& options) {
  std::optional<Caption> subject = Subject(semantics, inputs, options);
  if (!subject) return std::nullopt;
  for (const LabelGroup& group : groups) {
    if (group.label != kPerson || group.best < options.min_people_confidence) continue;
    return Caption{CountedPhrase(kPerson, group.count) + " and " + subject->text,
                   Mean({subject->confidence, group.best})};
  }
  return subject;
}

// Noun phrases for the detected objects, people first.
std::optional<Caption> ObjectsCaption(const CaptionInputs& inputs,
                                      const std::vector<LabelGroup>& groups,
                                      const CaptionOptions& options) {
  std::vector<std::string> phrases;
  std::vector<float> support;
  int people = static_cast<int>(inputs.faces.size());
  float people_score = 0;
  for (const Face& face : inputs.faces) people_score = std::max(people_score, face.confidence);
  for (const LabelGroup& group : groups) {
    if (group.label != kPerson) continue;
    people = std::max(people, group.count);
    people_score = std::max(people_score, group.best);
  }
  if (people > 0) {
    phrases.push_back(CountedPhrase(kPerson, people));
    support.push_back(people_score);
  }
  for (const LabelGroup& group : groups) {
    if (group.label == kPerson) continue;
    if (phrases.size() >= static_cast<size_t>(options.max_phrases)) break;
    phrases.push_back(CountedPhrase(CaptionNoun(group.label), group.count));
    support.push_back(group.best);
  }
  if (phrases.empty()) return std::nullopt;
  return Caption{JoinPhrases(phrases), Mean(support)};
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string Pluralize(std::string_view noun) {
  size_t space = noun.rfind(' ');
  std::string head(noun.substr(0, space == std::string_view::npos ? 0 : space + 1));
  std::string word(noun.substr(head.size()));
  static const std::map<std::string, std::string, std::less<>> kIrregular = {
      {"person", "people"},     {"mouse", "mice"},   {"sheep", "sheep"}, {"skis", "skis"},
      {"scissors", "scissors"}, {"knife", "knives"}, {"fish", "fish"},   {"child", "children"},
      {"man", "men"},           {"woman", "women"},  {"foot", "feet"},   {"tooth", "teeth"}};
  if (auto it = kIrregular.find(word); it != kIrregular.end()) return head + it->second;
  auto ends = [&](std::string_view suffix) {
    return word.size() >= suffix.size() &&
           word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends("s") || ends("x") || ends("z") || ends("ch") || ends("sh")) return head + word + "es";
  if (ends("y") && word.size() > 1 &&
      std::string_view("aeiou").find(word[word.size() - 2]) == std::string_view::npos) {
    return head + word.substr(0, word.size() - 1) + "ies";
  }
  return head + word + "s";
}

std::string WithArticle(std::string_view noun) {
  if (noun.empty()) return "";
  char first = absl::ascii_tolower(static_cast<unsigned char>(noun[0]));
  bool vowel = std::string_view("aeiou").find(first) != std::string_view::npos;
  // Spelling is not sound: "a unicycle", "a one-way sign", "an hour".
  for (std::string_view prefix : {"uni", "use", "usu", "eu", "one"}) {
    if (StartsWith(noun, prefix)) vowel = false;
  }
  for (std::string_view prefix : {"hour", "honest", "honor"}) {
    if (StartsWith(noun, prefix)) vowel = true;
  }
  return std::string(vowel ? "an " : "a ") + std::string(noun);
}

std::string CountedPhrase(std::string_view noun, int count) {
  static constexpr std::array<const char*, 10> kNumbers = {"",     "",    "two",   "three", "four",
                                                           "five", "six", "seven", "eight", "nine"};
  if (count <= 1) return WithArticle(noun);
  if (noun == kPerson) {
    if (count == 2) return "two people";
    return count >= 10 ? "a crowd of people" : "a group of people";
  }
  if (count >= 10) return "many " + Pluralize(noun);
  return std::string(kNumbers[static_cast<size_t>(count)]) + " " + Pluralize(noun);
}

bool IsRiding(const Box& rider, const Box& mount) {
  if (mount.w <= 0 || mount.h <= 0) return false;
  float center_x = static_cast<float>(rider.x) + static_cast<float>(rider.w) / 2;
  float bottom = static_cast<float>(rider.y + rider.h);
  bool centred =
      center_x >= static_cast<float>(mount.x) && center_x <= static_cast<float>(mount.x + mount.w);
  bool above = rider.y < mount.y;
  bool seated = bottom >= static_cast<float>(mount.y) + 0.3f * static_cast<float>(mount.h) &&
                bottom <= static_cast<float>(mount.y) + 0.9f * static_cast<float>(mount.h);
  return centred && above && seated;
}

std::vector<Caption> Describe(const Semantics& semantics, const CaptionInputs& inputs,
                              const CaptionOptions& options) {
  std::vector<LabelGroup> groups = GroupObjects(semantics, inputs, options);
  std::vector<Caption> candidates;
  auto offer = [&](std::optional<Caption> caption) {
    if (caption) candidates.push_back(std::move(*caption));
  };
  offer(CloseUpCaption(inputs, groups, options));
  offer(RidingCaption(groups));
  offer(SubjectCaption(semantics, inputs, groups, options));
  offer(ObjectsCaption(inputs, groups, options));
  // Nothing else to say: the classifier's best guess, its low confidence
  // saying how unsure it is, rather than no caption at all.
  if (candidates.empty()) offer(TopClassCaption(inputs));

  // The first rule that fired is the most specific: keep rule order, then
  // stable-sort by confidence only among the rest.
  std::vector<Caption> out;
  for (Caption& caption : candidates) {
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const Caption& c) { return c.text == caption.text; });
    if (!seen) out.push_back(std::move(caption));
  }
  if (out.size() > 1) {
    std::stable_sort(out.begin() + 1, out.end(), [](const Caption& a, const Caption& b) {
      return a.confidence > b.confidence;
    });
  }
  if (out.size() > static_cast<size_t>(std::max(options.max_candidates, 0))) {
    out.resize(static_cast<size_t>(std::max(options.max_candidates, 0)));
  }
  return out;
}

}  // namespace ocula
