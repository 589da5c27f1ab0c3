#include "vision/semantics/categories.h"

#include <algorithm>
#include <map>

namespace ocula {
namespace {

constexpr std::string_view kOthers = "others_";
constexpr std::string_view kPerson = "person";

float AreaFraction(const Box& box, int width, int height) {
  if (width <= 0 || height <= 0) return 1;  // unknown size: do not filter
  return static_cast<float>(box.w) * static_cast<float>(box.h) /
         (static_cast<float>(width) * static_cast<float>(height));
}

float Mean(const std::vector<float>& values) {
  float sum = 0;
  for (float v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<float>(values.size());
}

const char* PeopleCategoryName(size_t count) {
  if (count >= 10) return "people_crowd";
  if (count >= 5) return "people_many";
  return "people_group";
}

bool IsGeneric(const std::string& category) { return !category.empty() && category.back() == '_'; }

// Between rules at the same distance: the higher weight, then a specific
// category over a generic parent (a black grouse is both a bird and, through
// "game", an animal: animal_bird wins), then table order.
bool Outranks(const CategoryRule& a, const CategoryRule& b) {
  if (a.weight != b.weight) return a.weight > b.weight;
  return IsGeneric(b.category) && !IsGeneric(a.category);
}

using ScoreMap = std::map<std::string, float>;

void KeepMax(ScoreMap& scores, const std::string& name, float score) {
  float& slot = scores[name];
  slot = std::max(slot, score);
}

// Adds class evidence to `scores`; returns the probability no rule explains.
float AddClassScores(const Semantics& semantics, const std::vector<ClassScore>& classes,
                     ScoreMap& scores) {
  ScoreMap sums;
  float unexplained = 0;
  for (const ClassScore& cls : classes) {
    std::optional<CategoryRule> rule = CategoryRuleFor(semantics, cls.id);
    if (!rule || rule->category.empty()) {
      unexplained += cls.probability;
      continue;
    }
    sums[rule->category] += cls.probability * rule->weight;
  }
  for (const auto& [name, sum] : sums) KeepMax(scores, name, sum);
  return unexplained;
}

// Adds object evidence to `scores`; returns the best unexplained confidence.
float AddObjectScores(const Semantics& semantics, const CategoryInputs& inputs,
                      const CategoryOptions& options, ScoreMap& scores) {
  float unexplained = 0;
  for (const Detection& object : inputs.objects) {
    const ObjectInfo* info = semantics.FindObject(object.label);
    if (info == nullptr || info->label == kPerson) continue;  // persons: PeopleCategory
    if (AreaFraction(object.box, inputs.image_width, inputs.image_height) <
        options.min_object_area) {
      continue;
    }
    std::optional<CategoryRule> rule = CategoryRuleFor(semantics, info->wnid);
    if (!rule || rule->category.empty()) {
      unexplained = std::max(unexplained, object.confidence);
      continue;
    }
    KeepMax(scores, rule->category, object.confidence * rule->weight);
  }
  return unexplained;
}

}  // namespace

bool IsTaxonomyCategory(std::string_view name) {
  return std::find(kCategoryTaxonomy.begin(), kCategoryTaxonomy.end(), name) !=
         kCategoryTaxonomy.end();
}

std::optional<CategoryRule> CategoryRuleFor(const Semantics& semantics, std::string_view wnid) {
  const auto& rules = semantics.tables().category_rules;
  for (const auto& level : semantics.wordnet().AncestorLevels(wnid)) {
    const CategoryRule* best = nullptr;
    for (const std::string& id : level) {
      auto it = rules.find(id);
      if (it == rules.end()) continue;
      for (const CategoryRule& rule : it->second) {
        if (best == nullptr || Outranks(rule, *best)) best = &rule;
      }
    }
    if (best != nullptr) return *best;
  }
  return std::nullopt;
}

std::optional<Category> PeopleCategory(const CategoryInputs& inputs,
                                       const CategoryOptions& options) {
  std::vector<float> persons;
  for (const Detection& object : inputs.objects) {
    if (object.label == kPerson && object.confidence >= options.min_person_confidence) {
      persons.push_back(object.confidence);
    }
  }
  std::vector<float> faces;
  float largest_face = 0;
  for (const Face& face : inputs.faces) {
    faces.push_back(face.confidence);
    largest_face =
        std::max(largest_face, AreaFraction(face.box, inputs.image_width, inputs.image_height));
  }
  const std::vector<float>& counted = faces.size() >= persons.size() ? faces : persons;
  if (counted.empty()) return std::nullopt;
  float score = Mean(counted);
  if (counted.size() == 1) {
    bool portrait = !faces.empty() && largest_face >= options.portrait_face_area;
    return Category{portrait ? "people_portrait" : "people_", score};
  }
  return Category{PeopleCategoryName(counted.size()), score};
}

std::vector<Category> Categorize(const Semantics& semantics, const CategoryInputs& inputs,
                                 const CategoryOptions& options) {
  ScoreMap scores;
  float unexplained = AddClassScores(semantics, inputs.classes, scores);
  unexplained = std::max(unexplained, AddObjectScores(semantics, inputs, options, scores));
  if (std::optional<Category> people = PeopleCategory(inputs, options)) {
    KeepMax(scores, people->name, people->score);
  }
  if (inputs.has_text) KeepMax(scores, "text_", options.text_score);

  std::vector<Category> out;
  for (const auto& [name, score] : scores) {
    if (score >= options.min_score) out.push_back({name, std::min(score, 1.0f)});
  }
  if (out.empty() && unexplained >= options.min_score) {
    out.push_back({std::string(kOthers), std::min(unexplained, 1.0f)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Category& a, const Category& b) { return a.score > b.score; });
  if (out.size() > static_cast<size_t>(std::max(options.max_categories, 0))) {
    out.resize(static_cast<size_t>(std::max(options.max_categories, 0)));
  }
  return out;
}

}  // namespace ocula
