#include "vision/semantics/tags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "semantics_test_util.h"

namespace ocula {
namespace {

using testing_semantics::Class;
using testing_semantics::Object;
using testing_semantics::RealSemantics;

const Tag* FindTag(const std::vector<Tag>& tags, const std::string& name) {
  for (const Tag& tag : tags) {
    if (tag.name == name) return &tag;
  }
  return nullptr;
}

TEST(TagsTest, GoldenRetrieverGetsDogAndAnimalWithHints) {
  std::vector<Tag> tags =
      MakeTags(RealSemantics(), {Class("n02099601", "golden retriever", 0.9f)}, {});
  const Tag* breed = FindTag(tags, "golden retriever");
  const Tag* dog = FindTag(tags, "dog");
  const Tag* animal = FindTag(tags, "animal");
  const Tag* mammal = FindTag(tags, "mammal");
  ASSERT_TRUE(breed && dog && animal && mammal);
  EXPECT_EQ(breed->hint, "dog");
  EXPECT_FLOAT_EQ(breed->confidence, 0.9f);
  EXPECT_EQ(dog->hint, "animal");
  EXPECT_FLOAT_EQ(dog->confidence, 0.9f);
  EXPECT_EQ(mammal->hint, "animal");
  EXPECT_EQ(animal->hint, "");
}

TEST(TagsTest, BroadTermsSumExclusiveClassesAndSortByConfidence) {
  std::vector<Tag> tags =
      MakeTags(RealSemantics(),
               {Class("n02099601", "golden retriever", 0.5f),
                Class("n02099712", "Labrador retriever", 0.3f), Class("n02123045", "tabby", 0.1f)},
               {});
  ASSERT_NE(FindTag(tags, "dog"), nullptr);
  EXPECT_FLOAT_EQ(FindTag(tags, "dog")->confidence, 0.8f);
  EXPECT_FLOAT_EQ(FindTag(tags, "animal")->confidence, 0.9f);
  EXPECT_FLOAT_EQ(FindTag(tags, "cat")->confidence, 0.1f);
  EXPECT_EQ(FindTag(tags, "labrador retriever")->hint, "dog");  // names are lower case
  EXPECT_EQ(FindTag(tags, "tabby")->hint, "cat");
  for (size_t i = 1; i < tags.size(); ++i) EXPECT_GE(tags[i - 1].confidence, tags[i].confidence);
}

TEST(TagsTest, DetectionsMergeWithClassesKeepingTheMaximum) {
  std::vector<Tag> tags =
      MakeTags(RealSemantics(), {Class("n02099601", "golden retriever", 0.6f)},
               {Object("dog", 0.95f), Object("dog", 0.7f), Object("motorbike", 0.8f)});
  int dogs = 0;
  for (const Tag& tag : tags) dogs += tag.name == "dog" ? 1 : 0;
  EXPECT_EQ(dogs, 1);
  EXPECT_FLOAT_EQ(FindTag(tags, "dog")->confidence, 0.95f);
  ASSERT_NE(FindTag(tags, "motorcycle"), nullptr);  // canonical COCO name
  EXPECT_EQ(FindTag(tags, "motorcycle")->hint, "vehicle");
  EXPECT_FLOAT_EQ(FindTag(tags, "vehicle")->confidence, 0.8f);
  EXPECT_EQ(FindTag(tags, "motorbike"), nullptr);
}

TEST(TagsTest, PersonDetectionIsATagWithoutHint) {
  std::vector<Tag> tags = MakeTags(RealSemantics(), {}, {Object("person", 0.9f)});
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].name, "person");
  EXPECT_EQ(tags[0].hint, "");
}

TEST(TagsTest, ThresholdAndMaxCount) {
  std::vector<ClassScore> classes = {Class("n02099601", "golden retriever", 0.6f),
                                     Class("n07747607", "orange", 0.05f)};
  std::vector<Tag> tags = MakeTags(RealSemantics(), classes, {}, {.min_confidence = 0.1f});
  EXPECT_EQ(FindTag(tags, "orange"), nullptr);
  EXPECT_EQ(FindTag(tags, "fruit"), nullptr);
  std::vector<Tag> two = MakeTags(RealSemantics(), classes, {}, {.max_tags = 2});
  EXPECT_EQ(two.size(), 2u);
  EXPECT_THAT(DescriptionTags(tags, 2), ::testing::SizeIs(2));
  EXPECT_EQ(DescriptionTags(tags, 10).front(), tags.front().name);
}

TEST(TagsTest, UnknownLabelsAndIdsStillTag) {
  std::vector<Tag> tags =
      MakeTags(RealSemantics(), {Class("", "Widget", 0.5f)}, {Object("Unicorn", 0.7f)});
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].name, "unicorn");
  EXPECT_EQ(tags[1].name, "widget");
  EXPECT_EQ(tags[1].hint, "");
}

}  // namespace
}  // namespace ocula
