// Categories: the Computer Vision 86-category taxonomy (CONTRACTS.md §1) and
// the rules that pick categories for an image from its classes, objects,
// faces and text. The rules are documented in models/semantics/README.md.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vision/classify/classifier.h"
#include "vision/feature_types.h"
#include "vision/semantics/semantics.h"

namespace ocula {

// The taxonomy, names exactly as upstream. A name ending in '_' is a parent.
inline constexpr std::array<std::string_view, 86> kCategoryTaxonomy = {"abstract_",
                                                                       "abstract_net",
                                                                       "abstract_nonphoto",
                                                                       "abstract_rect",
                                                                       "abstract_shape",
                                                                       "abstract_texture",
                                                                       "animal_",
                                                                       "animal_bird",
                                                                       "animal_cat",
                                                                       "animal_dog",
                                                                       "animal_horse",
                                                                       "animal_panda",
                                                                       "building_",
                                                                       "building_arch",
                                                                       "building_brickwall",
                                                                       "building_church",
                                                                       "building_corner",
                                                                       "building_doorwindows",
                                                                       "building_pillar",
                                                                       "building_stair",
                                                                       "building_street",
                                                                       "dark_",
                                                                       "dark_fire",
                                                                       "dark_fireworks",
                                                                       "dark_light",
                                                                       "drink_",
                                                                       "drink_can",
                                                                       "food_",
                                                                       "food_bread",
                                                                       "food_fastfood",
                                                                       "food_grilled",
                                                                       "food_pizza",
                                                                       "indoor_",
                                                                       "indoor_churchwindow",
                                                                       "indoor_court",
                                                                       "indoor_doorwindows",
                                                                       "indoor_marketstore",
                                                                       "indoor_room",
                                                                       "indoor_venue",
                                                                       "object_screen",
                                                                       "object_sculpture",
                                                                       "others_",
                                                                       "outdoor_",
                                                                       "outdoor_city",
                                                                       "outdoor_field",
                                                                       "outdoor_grass",
                                                                       "outdoor_house",
                                                                       "outdoor_mountain",
                                                                       "outdoor_oceanbeach",
                                                                       "outdoor_playground",
                                                                       "outdoor_pool",
                                                                       "outdoor_railway",
                                                                       "outdoor_road",
                                                                       "outdoor_sportsfield",
                                                                       "outdoor_stonerock",
                                                                       "outdoor_street",
                                                                       "outdoor_water",
                                                                       "outdoor_waterside",
                                                                       "people_",
                                                                       "people_baby",
                                                                       "people_crowd",
                                                                       "people_group",
                                                                       "people_hand",
                                                                       "people_many",
                                                                       "people_portrait",
                                                                       "people_show",
                                                                       "people_swimming",
                                                                       "people_tattoo",
                                                                       "people_young",
                                                                       "plant_",
                                                                       "plant_branch",
                                                                       "plant_flower",
                                                                       "plant_leaves",
                                                                       "plant_tree",
                                                                       "sky_cloud",
                                                                       "sky_object",
                                                                       "sky_sun",
                                                                       "text_",
                                                                       "text_mag",
                                                                       "text_map",
                                                                       "text_menu",
                                                                       "text_sign",
                                                                       "trans_bicycle",
                                                                       "trans_bus",
                                                                       "trans_car",
                                                                       "trans_trainstation"};

bool IsTaxonomyCategory(std::string_view name);

// What Categorize looks at. The vectors are borrowed for the call.
struct CategoryInputs {
  const std::vector<ClassScore>& classes;  // classifier top classes, WordNet ids
  const std::vector<Detection>& objects;   // COCO detections
  const std::vector<Face>& faces;
  int image_width = 0;
  int image_height = 0;
  bool has_text = false;  // OCR found text
};

struct CategoryOptions {
  float min_score = 0.3f;  // categories below this are dropped
  int max_categories = 3;
  float min_object_area = 0.05f;  // objects smaller than this image fraction are ignored
  float min_person_confidence = 0.5f;
  float portrait_face_area = 0.10f;  // one face at least this image fraction: a portrait
  float text_score = 0.6f;           // the score of text_ when OCR found text
};

// The category rule for `wnid`: the rule of its nearest mapped ancestor
// (itself first, then breadth-first up the hypernyms; among rules at the same
// distance the highest weight, then a specific category over a generic one
// ending in '_', then the first in the table). nullopt when no
// ancestor is mapped; a rule with an empty category when the table says
// "explicitly none".
std::optional<CategoryRule> CategoryRuleFor(const Semantics& semantics, std::string_view wnid);

// The people category from faces and person detections, if any: one person
// -> people_portrait when a face covers portrait_face_area of the image, else
// people_; 2-4 people -> people_group; 5-9 -> people_many; 10+ -> people_crowd.
// Score: the mean confidence of the faces or persons counted.
std::optional<Category> PeopleCategory(const CategoryInputs& inputs,
                                       const CategoryOptions& options = {});

// Categories for an image, best first: at most max_categories names from the
// taxonomy with scores in [min_score, 1]. Sources (a category takes the
// highest): classes (sum of probability x weight over the classes that map to
// it), objects (confidence x weight of the largest-confidence object, persons
// excluded), PeopleCategory, and text_ when has_text. When nothing reaches
// min_score, `others_` scored by the unexplained evidence (probability of
// unmapped classes) if that reaches min_score; otherwise empty.
std::vector<Category> Categorize(const Semantics& semantics, const CategoryInputs& inputs,
                                 const CategoryOptions& options = {});

}  // namespace ocula
