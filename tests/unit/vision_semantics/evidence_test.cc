// EvidenceFilter (issue 23): animal and food boxes the classifier contradicts
// are dropped; its kin rule lets a classifier that cannot tell a horse from
// an ox still vouch for a horse; people and things are never dropped.
#include "vision/semantics/evidence.h"

#include <gtest/gtest.h>

#include <fstream>

#include "semantics_test_util.h"

namespace ocula {
namespace {

using testing_semantics::Class;
using testing_semantics::Object;
using testing_semantics::RealSemantics;

// The classifier's 1000 ImageNet ids, as the analyzer passes them.
std::vector<std::string> ImageNetIds() {
  std::ifstream in(std::string(OCULA_SOURCE_DIR) + "/models/classify/imagenet-classes.tsv");
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);) ids.push_back(line.substr(0, line.find('\t')));
  EXPECT_EQ(ids.size(), 1000u);
  return ids;
}

const EvidenceFilter& Filter() {
  static const EvidenceFilter* filter = new EvidenceFilter(RealSemantics(), ImageNetIds());
  return *filter;
}

std::vector<std::string> Kept(const std::vector<ClassScore>& classes,
                              const std::vector<Detection>& boxes) {
  std::vector<std::string> labels;
  for (const Detection& d : Filter().Filter(classes, boxes)) labels.push_back(d.label);
  return labels;
}

const std::vector<ClassScore> kSnake = {Class("n01728572", "thunder snake", 0.6f),
                                        Class("n01739381", "hognose snake", 0.3f)};

TEST(EvidenceTest, AnimalAndFoodBoxesTheClassifierContradictsGo) {
  EXPECT_EQ(Kept(kSnake, {Object("bird", 0.7f), Object("banana", 0.7f), Object("pizza", 0.5f)}),
            std::vector<std::string>{});
}

TEST(EvidenceTest, BoxesTheClassifierSupportsStay) {
  std::vector<ClassScore> retriever = {Class("n02099601", "golden retriever", 0.7f)};
  EXPECT_EQ(Kept(retriever, {Object("dog", 0.5f)}), std::vector<std::string>{"dog"});
  // ImageNet's only horse is the sorrel; the classifier often sees an ox
  // instead. Both are ungulates, the horse's kin.
  std::vector<ClassScore> ox = {Class("n02403003", "ox", 0.4f),
                                Class("n02415577", "bighorn", 0.15f)};
  EXPECT_EQ(Kept(ox, {Object("horse", 0.6f), Object("cow", 0.6f)}),
            (std::vector<std::string>{"horse", "cow"}));
  EXPECT_EQ(Kept(ox, {Object("bird", 0.6f)}), std::vector<std::string>{})
      << "a bird is no ungulate";
}

// Kin follows WordNet's first hypernyms only: a domestic cat and a dog are
// both "domestic animals" (a secondary parent), yet no kin.
TEST(EvidenceTest, ACatIsNoKinOfADog) {
  std::vector<ClassScore> wolfhound = {Class("n02090721", "Irish wolfhound", 0.8f)};
  EXPECT_EQ(Kept(wolfhound, {Object("cat", 0.79f), Object("dog", 0.6f)}),
            std::vector<std::string>{"dog"});
  std::vector<ClassScore> tabby = {Class("n02123045", "tabby", 0.5f),
                                   Class("n02124075", "Egyptian cat", 0.3f)};
  EXPECT_EQ(Kept(tabby, {Object("cat", 0.6f)}), std::vector<std::string>{"cat"});
}

// ImageNet has no doughnut: a doughnut photo is classified as a bagel or a
// loaf, so the donut's kin reaches "baked goods", three levels up.
TEST(EvidenceTest, KinReachesUpToTheClassesTheClassifierHas) {
  std::vector<ClassScore> bagel = {Class("n07693725", "bagel", 0.6f)};
  EXPECT_EQ(Kept(bagel, {Object("donut", 0.55f)}), std::vector<std::string>{"donut"});
  EXPECT_EQ(Kept(kSnake, {Object("donut", 0.55f)}), std::vector<std::string>{});
}

// A label with no classifier class in its kin cannot be checked: it stays
// only when the detector is fairly sure of it. With kin_levels 0 the
// donut's kin is the doughnut alone, which ImageNet lacks.
TEST(EvidenceTest, AnUncheckableBoxNeedsTheUncheckedConfidence) {
  EvidenceFilter filter(RealSemantics(), ImageNetIds(), {.kin_levels = 0});
  std::vector<ClassScore> bagel = {Class("n07693725", "bagel", 0.6f)};
  EXPECT_TRUE(filter.Filter(bagel, {Object("donut", 0.55f)}).empty());
  EXPECT_EQ(filter.Filter(kSnake, {Object("donut", 0.65f)}).size(), 1u);
}

// models/semantics/README.md says no shipped animal or food label is left
// unchecked: with no classifier support, a box below sure_box is dropped
// even where it would pass unchecked_box.
TEST(EvidenceTest, EveryAnimalAndFoodLabelOfTheTablesHasAKin) {
  const Semantics& semantics = RealSemantics();
  int checked = 0;
  for (const ObjectInfo& object : semantics.tables().objects) {
    if (!IsAnimalOrFood(semantics.wordnet(), object.wnid)) continue;
    ++checked;
    EXPECT_EQ(Kept({}, {Object(object.label, 0.7f)}), std::vector<std::string>{})
        << object.label << " has no kin among the classifier's classes";
  }
  EXPECT_EQ(checked, 20) << "COCO has 10 animal and 10 food labels";
}

TEST(EvidenceTest, PeopleVehiclesAndThingsAreAlwaysKept) {
  EXPECT_EQ(Kept(kSnake, {Object("person", 0.5f), Object("car", 0.5f), Object("chair", 0.5f)}),
            (std::vector<std::string>{"person", "car", "chair"}));
}

TEST(EvidenceTest, AVeryConfidentBoxStaysWhateverTheClassifierSays) {
  EXPECT_EQ(Kept(kSnake, {Object("dog", 0.95f), Object("dog", 0.85f)}),
            std::vector<std::string>{"dog"});
}

TEST(EvidenceTest, SupportBelowTheMinimumIsNoSupport) {
  std::vector<ClassScore> mostly_snake = {Class("n01728572", "thunder snake", 0.9f),
                                          Class("n02099601", "golden retriever", 0.04f)};
  EXPECT_EQ(Kept(mostly_snake, {Object("dog", 0.7f)}), std::vector<std::string>{});
  std::vector<ClassScore> some_dog = {Class("n01728572", "thunder snake", 0.9f),
                                      Class("n02099601", "golden retriever", 0.06f)};
  EXPECT_EQ(Kept(some_dog, {Object("dog", 0.7f)}), std::vector<std::string>{"dog"});
}

}  // namespace
}  // namespace ocula
