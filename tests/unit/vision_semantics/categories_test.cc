#include "vision/semantics/categories.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "semantics_test_util.h"

namespace ocula {
namespace {

using testing_semantics::Class;
using testing_semantics::MakeFace;
using testing_semantics::Object;
using testing_semantics::RealSemantics;

const std::vector<ClassScore> kNoClasses;
const std::vector<Detection> kNoObjects;
const std::vector<Face> kNoFaces;

std::vector<Category> ForClasses(const std::vector<ClassScore>& classes) {
  return Categorize(RealSemantics(), {.classes = classes,
                                      .objects = kNoObjects,
                                      .faces = kNoFaces,
                                      .image_width = 640,
                                      .image_height = 480});
}

// The expected top category of each ImageNet dev photo, reviewed by hand.
// Photos whose class has no natural category in the taxonomy (a banjo, a
// jersey, a gas mask, ...) are absent and must come out as others_.
const std::map<std::string, std::string>& ExpectedDevCategories() {
  static const auto* expected = new std::map<std::string, std::string>{
      {"n01440764", "animal_"},
      {"n01530575", "animal_bird"},
      {"n01601694", "animal_bird"},
      {"n01641577", "animal_"},
      {"n01682714", "animal_"},
      {"n01698640", "animal_"},
      {"n01740131", "animal_"},
      {"n01770081", "animal_"},
      {"n01795545", "animal_bird"},
      {"n01820546", "animal_bird"},
      {"n01860187", "animal_bird"},
      {"n01924916", "animal_"},
      {"n01980166", "animal_"},
      {"n02007558", "animal_bird"},
      {"n02027492", "animal_bird"},
      {"n02077923", "animal_"},
      {"n02088094", "animal_dog"},
      {"n02090721", "animal_dog"},
      {"n02093428", "animal_dog"},
      {"n02095889", "animal_dog"},
      {"n02097474", "animal_dog"},
      {"n02100236", "animal_dog"},
      {"n02102480", "animal_dog"},
      {"n02105855", "animal_dog"},
      {"n02107908", "animal_dog"},
      {"n02110185", "animal_dog"},
      {"n02112137", "animal_dog"},
      {"n02114548", "animal_"},  // white wolf: a canine, not a dog
      {"n02120505", "animal_"},
      {"n02128925", "animal_cat"},  // jaguar: a feline
      {"n02165105", "animal_"},
      {"n02219486", "animal_"},
      {"n02268853", "animal_"},
      {"n02325366", "animal_"},
      {"n02391049", "animal_"},  // zebra: an equine, not a horse
      {"n02417914", "animal_"},
      {"n02444819", "animal_"},
      {"n02484975", "animal_"},
      {"n02493509", "animal_"},
      {"n02526121", "animal_"},
      {"n02727426", "building_"},           // apiary
      {"n02823428", "drink_"},              // beer bottle
      {"n02894605", "outdoor_waterside"},   // breakwater
      {"n02948072", "dark_light"},          // candle
      {"n03042490", "outdoor_house"},       // cliff dwelling
      {"n03095699", "outdoor_water"},       // container ship
      {"n03131574", "indoor_room"},         // crib
      {"n03240683", "outdoor_water"},       // drilling platform
      {"n03457902", "building_"},           // greenhouse
      {"n03485407", "object_screen"},       // hand-held computer
      {"n03642806", "object_screen"},       // laptop
      {"n03717622", "outdoor_street"},      // manhole cover
      {"n03776460", "building_"},           // mobile home
      {"n03791053", "trans_bicycle"},       // motor scooter
      {"n04147183", "outdoor_water"},       // schooner
      {"n04310018", "outdoor_railway"},     // steam locomotive
      {"n04443257", "indoor_marketstore"},  // tobacco shop
      {"n04482393", "trans_bicycle"},       // tricycle
      {"n04509417", "trans_bicycle"},       // unicycle
      {"n04562935", "building_"},           // water tower
      {"n06874185", "outdoor_street"},      // traffic light
      {"n07684084", "food_bread"},          // French loaf
      {"n07716906", "food_"},               // spaghetti squash
      {"n07747607", "food_"},               // orange
      {"n07836838", "food_"},               // chocolate sauce
      {"n09193705", "outdoor_mountain"},    // alp
      {"n09472597", "outdoor_mountain"},    // volcano
      {"n12768682", "plant_"},              // buckeye (the seed)
  };
  return *expected;
}

TEST(CategoriesTest, ImageNetDevPhotosGetTheirNaturalCategory) {
  namespace fs = std::filesystem;
  const Semantics& semantics = RealSemantics();
  const WordNet& wordnet = semantics.wordnet();
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::directory_iterator(std::string(OCULA_SHARED_DIR) + "/testdata/imagenet-dev")) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 100u);
  std::map<std::string, int> histogram;
  for (const fs::path& file : files) {
    std::string stem = file.stem().string();  // n02088094_Afghan_hound
    std::string wnid = stem.substr(0, 9);
    std::string name = stem.substr(10);
    std::replace(name.begin(), name.end(), '_', ' ');
    std::vector<Category> categories = ForClasses({Class(wnid, name, 0.9f)});
    ASSERT_FALSE(categories.empty()) << stem;
    for (const Category& c : categories) {
      EXPECT_TRUE(IsTaxonomyCategory(c.name)) << c.name;
      EXPECT_GE(c.score, 0.3f);
      EXPECT_LE(c.score, 1.0f);
    }
    const std::string& got = categories.front().name;
    std::printf("  %-40s %-20s %.2f\n", stem.c_str(), got.c_str(), categories.front().score);
    ++histogram[got];

    auto it = ExpectedDevCategories().find(wnid);
    EXPECT_EQ(got, it == ExpectedDevCategories().end() ? "others_" : it->second) << stem;
    // The WordNet-level promises, independent of the hand-made list.
    if (wordnet.IsA(wnid, "n02084071")) {
      EXPECT_EQ(got, "animal_dog") << stem;
    }
    if (wordnet.IsA(wnid, "n02120997")) {
      EXPECT_EQ(got, "animal_cat") << stem;
    }
    if (wordnet.IsA(wnid, "n01503061")) {
      EXPECT_EQ(got, "animal_bird") << stem;
    }
    if (wordnet.IsA(wnid, "n00015388")) {
      EXPECT_EQ(got.rfind("animal_", 0), 0u) << stem;
    }
    if (wordnet.IsA(wnid, "n07555863")) {
      EXPECT_EQ(got.rfind("food_", 0), 0u) << stem;
    }
  }
  for (const auto& [name, count] : histogram) std::printf("  %-20s %d\n", name.c_str(), count);
}

TEST(CategoriesTest, SpecificMappings) {
  auto top = [](const char* wnid) { return ForClasses({Class(wnid, "x", 0.9f)}).at(0).name; };
  EXPECT_EQ(top("n02123045"), "animal_cat");    // tabby
  EXPECT_EQ(top("n02389026"), "animal_horse");  // sorrel
  EXPECT_EQ(top("n02510455"), "animal_panda");  // giant panda
  EXPECT_EQ(top("n07873807"), "food_pizza");
  EXPECT_EQ(top("n07697313"), "food_fastfood");  // cheeseburger
  EXPECT_EQ(top("n04146614"), "trans_bus");      // school bus
  EXPECT_EQ(top("n04285008"), "trans_car");      // sports car
  EXPECT_EQ(top("n02835271"), "trans_bicycle");  // bicycle-built-for-two
  EXPECT_EQ(top("n11939491"), "plant_flower");   // daisy
  EXPECT_EQ(top("n03028079"), "building_church");
  EXPECT_EQ(top("n07802026"), "outdoor_field");  // hay: WordNet files it under food
  EXPECT_EQ(top("n06794110"), "text_sign");      // street sign
}

TEST(CategoriesTest, ExplicitNoneStopsTheWalk) {
  // A slide rule is an analog computer in WordNet; it is not a screen.
  std::optional<CategoryRule> rule = CategoryRuleFor(RealSemantics(), "n04238763");
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->category, "");
  std::vector<Category> categories = ForClasses({Class("n04238763", "slide rule", 0.8f)});
  ASSERT_EQ(categories.size(), 1u);
  EXPECT_EQ(categories[0].name, "others_");
  EXPECT_FLOAT_EQ(categories[0].score, 0.8f);
}

TEST(CategoriesTest, ScoresSumOverClassesAndRespectLimits) {
  std::vector<Category> categories = ForClasses(
      {Class("n02099601", "golden retriever", 0.5f), Class("n02099712", "Labrador retriever", 0.3f),
       Class("n02123045", "tabby", 0.1f), Class("n02787622", "banjo", 0.1f)});
  ASSERT_EQ(categories.size(), 1u);  // animal_cat 0.1 is under min_score
  EXPECT_EQ(categories[0].name, "animal_dog");
  EXPECT_FLOAT_EQ(categories[0].score, 0.8f);
  EXPECT_TRUE(ForClasses({}).empty());
  EXPECT_TRUE(ForClasses({Class("n02787622", "banjo", 0.2f)}).empty());  // weak others_
}

CategoryInputs People(const std::vector<Detection>& objects, const std::vector<Face>& faces) {
  return {.classes = kNoClasses,
          .objects = objects,
          .faces = faces,
          .image_width = 1000,
          .image_height = 1000};
}

std::vector<Face> Faces(int count, int side) {
  std::vector<Face> faces;
  for (int i = 0; i < count; ++i) faces.push_back(MakeFace({i * 10, 0, side, side}, 0.9f));
  return faces;
}

TEST(CategoriesTest, PeopleRules) {
  auto top = [](const std::vector<Detection>& objects, const std::vector<Face>& faces) {
    std::vector<Category> c = Categorize(RealSemantics(), People(objects, faces));
    return c.empty() ? std::string("none") : c.front().name;
  };
  EXPECT_EQ(top({}, Faces(1, 400)), "people_portrait");  // 16 % of the image
  EXPECT_EQ(top({}, Faces(1, 100)), "people_");          // 1 %
  EXPECT_EQ(top({Object("person", 0.9f)}, {}), "people_");
  EXPECT_EQ(top({}, Faces(2, 100)), "people_group");
  EXPECT_EQ(top({}, Faces(4, 100)), "people_group");
  EXPECT_EQ(top({}, Faces(5, 50)), "people_many");
  EXPECT_EQ(top({}, Faces(9, 50)), "people_many");
  EXPECT_EQ(top({}, Faces(12, 30)), "people_crowd");
  std::vector<Detection> three(3, Object("person", 0.8f));
  EXPECT_EQ(top(three, Faces(1, 100)), "people_group");  // persons outnumber faces
  EXPECT_EQ(top({Object("person", 0.3f)}, {}), "none");  // below min_person_confidence

  std::optional<Category> group = PeopleCategory(People({}, Faces(3, 100)));
  ASSERT_TRUE(group.has_value());
  EXPECT_FLOAT_EQ(group->score, 0.9f);
}

TEST(CategoriesTest, ObjectsAndText) {
  std::vector<Detection> objects = {Object("dog", 0.9f, {0, 0, 500, 500}),
                                    Object("pizza", 0.9f, {0, 0, 10, 10}),  // too small
                                    Object("tvmonitor", 0.7f, {0, 0, 400, 400})};
  std::vector<Category> categories = Categorize(RealSemantics(), {.classes = kNoClasses,
                                                                  .objects = objects,
                                                                  .faces = kNoFaces,
                                                                  .image_width = 1000,
                                                                  .image_height = 1000,
                                                                  .has_text = true});
  std::vector<std::string> names;
  for (const Category& c : categories) names.push_back(c.name);
  EXPECT_THAT(names, ::testing::ElementsAre("animal_dog", "object_screen", "text_"));
  EXPECT_FLOAT_EQ(categories[1].score, 0.7f * 0.9f);
}

TEST(CategoriesTest, MaxCategories) {
  std::vector<Category> categories =
      Categorize(RealSemantics(),
                 {.classes = std::vector<ClassScore>{Class("n02099601", "golden retriever", 0.5f),
                                                     Class("n07873807", "pizza", 0.45f)},
                  .objects = kNoObjects,
                  .faces = Faces(1, 500),
                  .image_width = 1000,
                  .image_height = 1000,
                  .has_text = true},
                 {.max_categories = 2});
  ASSERT_EQ(categories.size(), 2u);
  EXPECT_EQ(categories[0].name, "people_portrait");
  EXPECT_EQ(categories[1].name, "text_");
}

}  // namespace
}  // namespace ocula
