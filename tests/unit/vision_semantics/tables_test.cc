// The taxonomy constant and the committed tables under models/semantics/,
// validated against WordNet.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "semantics_test_util.h"
#include "vision/semantics/categories.h"
#include "vision/semantics/semantics.h"

namespace ocula {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_semantics::RealSemantics;
using testing_semantics::TablesDir;

// Copied by hand from CONTRACTS.md §1, independently of the constant.
constexpr char kContractTaxonomy[] =
    "abstract_, abstract_net, abstract_nonphoto, abstract_rect, abstract_shape, abstract_texture, "
    "animal_, animal_bird, animal_cat, animal_dog, animal_horse, animal_panda, "
    "building_, building_arch, building_brickwall, building_church, building_corner, "
    "building_doorwindows, building_pillar, building_stair, building_street, "
    "dark_, dark_fire, dark_fireworks, dark_light, drink_, drink_can, "
    "food_, food_bread, food_fastfood, food_grilled, food_pizza, "
    "indoor_, indoor_churchwindow, indoor_court, indoor_doorwindows, indoor_marketstore, "
    "indoor_room, indoor_venue, object_screen, object_sculpture, others_, "
    "outdoor_, outdoor_city, outdoor_field, outdoor_grass, outdoor_house, outdoor_mountain, "
    "outdoor_oceanbeach, outdoor_playground, outdoor_pool, outdoor_railway, outdoor_road, "
    "outdoor_sportsfield, outdoor_stonerock, outdoor_street, outdoor_water, outdoor_waterside, "
    "people_, people_baby, people_crowd, people_group, people_hand, people_many, "
    "people_portrait, people_show, people_swimming, people_tattoo, people_young, "
    "plant_, plant_branch, plant_flower, plant_leaves, plant_tree, "
    "sky_cloud, sky_object, sky_sun, text_, text_mag, text_map, text_menu, text_sign, "
    "trans_bicycle, trans_bus, trans_car, trans_trainstation";

TEST(TaxonomyTest, IsExactlyTheContractsEightySixNames) {
  std::vector<std::string> contract = absl::StrSplit(kContractTaxonomy, ", ");
  std::vector<std::string> ours(kCategoryTaxonomy.begin(), kCategoryTaxonomy.end());
  EXPECT_EQ(contract.size(), 86u);
  EXPECT_EQ(ours, contract);
  EXPECT_EQ(std::set<std::string>(ours.begin(), ours.end()).size(), 86u);  // no duplicates
  EXPECT_TRUE(IsTaxonomyCategory("animal_dog"));
  EXPECT_FALSE(IsTaxonomyCategory("animal_fish"));
  EXPECT_FALSE(IsTaxonomyCategory("Animal_dog"));
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Data lines of a committed table, split on TABs.
std::vector<std::vector<std::string>> Rows(const std::string& file) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> lines = absl::StrSplit(ReadText(TablesDir() + "/" + file), '\n');
  for (const std::string& line : lines) {
    if (line.empty() || line[0] == '#') continue;
    rows.push_back(absl::StrSplit(line, '\t'));
  }
  return rows;
}

bool HasLemma(const WordNet& wordnet, const std::string& wnid, const std::string& lemma) {
  std::optional<Synset> synset = wordnet.Find(wnid);
  if (!synset) return false;
  return std::any_of(synset->lemmas.begin(), synset->lemmas.end(), [&](const std::string& l) {
    return absl::AsciiStrToLower(l) == absl::AsciiStrToLower(lemma);
  });
}

TEST(CategoryTableTest, EveryRowNamesARealSynsetByOneOfItsLemmas) {
  const WordNet& wordnet = RealSemantics().wordnet();
  auto rows = Rows("categories.tsv");
  EXPECT_GT(rows.size(), 100u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 4u) << absl::StrJoin(row, "|");
    EXPECT_TRUE(HasLemma(wordnet, row[0], row[3])) << row[0] << " is not '" << row[3] << "'";
  }
}

TEST(CategoryTableTest, LoaderRejectsNamesOutsideTheTaxonomyNamingTheLine) {
  SemanticTables tables;
  Status status = ParseCategoryTable(
      "# comment\nn02084071\tanimal_dog\t1.0\tdog\nn02512053\tanimal_fish\t1.0\tfish\n",
      "categories.tsv", tables);
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("categories.tsv:3"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("animal_fish"));
}

TEST(CategoryTableTest, LoaderRejectsBadWnidsAndWeights) {
  SemanticTables tables;
  EXPECT_EQ(ParseCategoryTable("dog\tanimal_dog\t1.0\tdog\n", "t", tables).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCategoryTable("n02084071\tanimal_dog\t1.5\tdog\n", "t", tables).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCategoryTable("n02084071\tanimal_dog\n", "t", tables).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseCategoryTable("n02084071\t-\t1\tdog\n", "t", tables).ok());
  EXPECT_EQ(tables.category_rules.at("n02084071").at(0).category, "");
}

TEST(BroadTermsTableTest, EveryRowNamesARealSynsetByOneOfItsLemmas) {
  const WordNet& wordnet = RealSemantics().wordnet();
  for (const auto& row : Rows("broad_terms.tsv")) {
    ASSERT_EQ(row.size(), 3u) << absl::StrJoin(row, "|");
    EXPECT_TRUE(HasLemma(wordnet, row[0], row[2])) << row[0] << " is not '" << row[2] << "'";
  }
}

TEST(ObjectTableTest, ParentsAreRealHypernymAncestorsNearestFirst) {
  const Semantics& semantics = RealSemantics();
  const WordNet& wordnet = semantics.wordnet();
  ASSERT_EQ(semantics.tables().objects.size(), 80u);
  for (const ObjectInfo& info : semantics.tables().objects) {
    ASSERT_TRUE(wordnet.Contains(info.wnid)) << info.label;
    std::string below = info.wnid;
    for (const ParentTerm& parent : info.parents) {
      EXPECT_TRUE(HasLemma(wordnet, parent.wnid, parent.name))
          << info.label << ": " << parent.wnid << " is not '" << parent.name << "'";
      EXPECT_NE(parent.wnid, below) << info.label;
      EXPECT_TRUE(wordnet.IsA(below, parent.wnid))
          << info.label << ": " << parent.name << " is not above " << wordnet.Name(below);
      below = parent.wnid;
    }
  }
}

TEST(ObjectTableTest, CoversEveryLabelTheDetectorsEmit) {
  const Semantics& semantics = RealSemantics();
  std::string names = ReadText(std::string(OCULA_SHARED_DIR) + "/models/detect/coco.names");
  int count = 0;
  std::vector<std::string> labels = absl::StrSplit(names, '\n', absl::SkipWhitespace());
  for (const std::string& label : labels) {
    ++count;
    EXPECT_NE(semantics.FindObject(label), nullptr) << label;
  }
  EXPECT_EQ(count, 80);
  EXPECT_EQ(semantics.CanonicalLabel("motorbike"), "motorcycle");
  EXPECT_EQ(semantics.CanonicalLabel("TVMonitor"), "tv");
  EXPECT_EQ(semantics.CanonicalLabel("unicorn"), "unicorn");
}

TEST(ObjectTableTest, ParentChains) {
  const Semantics& semantics = RealSemantics();
  std::vector<ObjectParent> dog = semantics.ParentChain("dog", 0.8f);
  ASSERT_EQ(dog.size(), 2u);
  EXPECT_EQ(dog[0].object, "mammal");
  EXPECT_EQ(dog[1].object, "animal");
  EXPECT_FLOAT_EQ(dog[1].confidence, 0.8f);
  std::vector<ObjectParent> bike = semantics.ParentChain("motorbike", 0.5f);
  ASSERT_EQ(bike.size(), 2u);
  EXPECT_EQ(bike[0].object, "wheeled vehicle");
  EXPECT_TRUE(semantics.ParentChain("person", 0.9f).empty());
  EXPECT_TRUE(semantics.ParentChain("unicorn", 0.9f).empty());
}

TEST(ObjectTableTest, LoaderRejectsMalformedRows) {
  SemanticTables tables;
  EXPECT_EQ(ParseObjectTable("dog\tn02084071\tmammal\n", "t", tables).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseObjectTable("dog\tn0208\n", "t", tables).code(), StatusCode::kInvalidArgument);
  SemanticTables dup;
  Status status = ParseObjectTable("dog\tn02084071\ncat,Dog\tn02121808\n", "objects.tsv", dup);
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("objects.tsv:2"));
}

TEST(SemanticsTest, MissingTablesAreNotFound) {
  EXPECT_EQ(Semantics::Load("/nonexistent").status().code(), StatusCode::kNotFound);
}

TEST(SemanticsTest, BroadTermsNearestFirst) {
  std::vector<BroadTerm> terms = RealSemantics().BroadTermsOf("n02099601");
  std::vector<std::string> tags;
  for (const BroadTerm& term : terms) tags.push_back(term.tag);
  ASSERT_GE(tags.size(), 3u);
  EXPECT_EQ(tags[0], "dog");
  EXPECT_THAT(tags, ::testing::IsSupersetOf({"dog", "mammal", "animal"}));
}

}  // namespace
}  // namespace ocula
