#include "vision/semantics/captions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "semantics_test_util.h"

namespace ocula {
namespace {

using testing_semantics::Class;
using testing_semantics::MakeFace;
using testing_semantics::Object;
using testing_semantics::RealSemantics;

const std::vector<ClassScore> kNoClasses;
const std::vector<Face> kNoFaces;

std::vector<Caption> Captions(const std::vector<Detection>& objects,
                              const std::vector<Face>& faces = kNoFaces,
                              const std::vector<ClassScore>& classes = kNoClasses,
                              CaptionOptions options = {}) {
  return Describe(RealSemantics(),
                  {.classes = classes,
                   .objects = objects,
                   .faces = faces,
                   .image_width = 1000,
                   .image_height = 1000},
                  options);
}

std::string Text(const std::vector<Detection>& objects, const std::vector<Face>& faces = kNoFaces,
                 const std::vector<ClassScore>& classes = kNoClasses) {
  std::vector<Caption> captions = Captions(objects, faces, classes);
  return captions.empty() ? "" : captions.front().text;
}

TEST(EnglishTest, Plurals) {
  EXPECT_EQ(Pluralize("dog"), "dogs");
  EXPECT_EQ(Pluralize("bus"), "buses");
  EXPECT_EQ(Pluralize("couch"), "couches");
  EXPECT_EQ(Pluralize("wine glass"), "wine glasses");
  EXPECT_EQ(Pluralize("person"), "people");
  EXPECT_EQ(Pluralize("sheep"), "sheep");
  EXPECT_EQ(Pluralize("knife"), "knives");
  EXPECT_EQ(Pluralize("computer mouse"), "computer mice");
  EXPECT_EQ(Pluralize("butterfly"), "butterflies");
  EXPECT_EQ(Pluralize("toy"), "toys");
  EXPECT_EQ(Pluralize("teddy bear"), "teddy bears");
}

TEST(EnglishTest, Articles) {
  EXPECT_EQ(WithArticle("dog"), "a dog");
  EXPECT_EQ(WithArticle("apple"), "an apple");
  EXPECT_EQ(WithArticle("Afghan hound"), "an Afghan hound");
  EXPECT_EQ(WithArticle("unicycle"), "a unicycle");
  EXPECT_EQ(WithArticle("umbrella"), "an umbrella");
  EXPECT_EQ(WithArticle("hourglass"), "an hourglass");
}

TEST(EnglishTest, CountedPhrases) {
  EXPECT_EQ(CountedPhrase("dog", 1), "a dog");
  EXPECT_EQ(CountedPhrase("dog", 2), "two dogs");
  EXPECT_EQ(CountedPhrase("dog", 9), "nine dogs");
  EXPECT_EQ(CountedPhrase("dog", 12), "many dogs");
  EXPECT_EQ(CountedPhrase("person", 1), "a person");
  EXPECT_EQ(CountedPhrase("person", 2), "two people");
  EXPECT_EQ(CountedPhrase("person", 3), "a group of people");
  EXPECT_EQ(CountedPhrase("person", 25), "a crowd of people");
}

TEST(CaptionsTest, ObjectPhrases) {
  EXPECT_EQ(Text({Object("dog", 0.9f), Object("bicycle", 0.8f)}), "a dog and a bicycle");
  EXPECT_EQ(Text({Object("dog", 0.9f), Object("dog", 0.7f)}), "two dogs");
  EXPECT_EQ(Text({Object("cat", 0.6f), Object("dog", 0.9f), Object("dog", 0.8f),
                  Object("sports ball", 0.7f)}),
            "two dogs, a ball and a cat");
  EXPECT_EQ(Text({Object("dog", 0.9f), Object("person", 0.6f)}), "a person and a dog");
  std::vector<Detection> people(4, Object("person", 0.8f));
  EXPECT_EQ(Text(people), "a group of people");
  EXPECT_EQ(Text({Object("aeroplane", 0.8f)}), "an airplane");
  EXPECT_EQ(Text({Object("dog", 0.2f)}), "");  // below min_object_confidence
}

TEST(CaptionsTest, ConfidenceIsTheMeanOfSupport) {
  std::vector<Caption> captions = Captions({Object("dog", 0.9f), Object("bicycle", 0.5f)});
  ASSERT_EQ(captions.size(), 1u);
  EXPECT_FLOAT_EQ(captions[0].confidence, 0.7f);
}

TEST(CaptionsTest, AtMostThreePhrases) {
  EXPECT_EQ(Text({Object("dog", 0.9f), Object("cat", 0.8f), Object("horse", 0.7f),
                  Object("sheep", 0.6f)}),
            "a dog, a cat and a horse");
}

TEST(CaptionsTest, PersonRidingAHorseNeedsTheGeometry) {
  Detection rider = Object("person", 0.9f, {420, 100, 160, 400});  // bottom at 500
  Detection horse = Object("horse", 0.8f, {300, 300, 400, 400});   // 300..700
  EXPECT_EQ(Text({rider, horse}), "a person riding a horse");
  Detection beside = Object("person", 0.9f, {100, 250, 150, 450});  // standing to the left
  EXPECT_EQ(Text({beside, horse}), "a person and a horse");
  Detection behind = Object("person", 0.9f, {420, 200, 160, 500});  // feet on the ground line
  EXPECT_EQ(Text({behind, horse}), "a person and a horse");
  EXPECT_EQ(Text({rider, Object("motorbike", 0.8f, {300, 300, 400, 400})}),
            "a person riding a motorcycle");
  EXPECT_TRUE(IsRiding({420, 100, 160, 400}, {300, 300, 400, 400}));
  EXPECT_FALSE(IsRiding({420, 100, 160, 400}, {300, 300, 0, 0}));
}

TEST(CaptionsTest, CloseUpOfOneLargeFace) {
  EXPECT_EQ(Text({}, {MakeFace({300, 300, 450, 450})}), "a close-up of a person's face");
  EXPECT_EQ(Text({Object("person", 0.9f)}, {MakeFace({300, 300, 450, 450})}),
            "a close-up of a person's face");
  EXPECT_EQ(Text({}, {MakeFace({300, 300, 100, 100})}), "a person");
  EXPECT_EQ(Text({}, {MakeFace({0, 0, 450, 450}), MakeFace({500, 0, 450, 450})}), "two people");
  EXPECT_EQ(Text({Object("dog", 0.9f)}, {MakeFace({300, 300, 450, 450})}), "a person and a dog");
}

TEST(CaptionsTest, TheClassifiersSubjectLeads) {
  std::vector<ClassScore> retriever = {Class("n02099601", "golden retriever", 0.8f)};
  EXPECT_EQ(Text({Object("dog", 0.9f)}, kNoFaces, retriever), "a golden retriever");
  // A box the classifier contradicts is removed before captions
  // (evidence.h); here it can only come second.
  EXPECT_EQ(Text({Object("cat", 0.9f)}, kNoFaces, retriever), "a golden retriever");
  EXPECT_EQ(Text({}, kNoFaces, {Class("n07684084", "French loaf", 0.7f)}), "a French loaf");
  EXPECT_TRUE(Captions({}).empty());
}

// An unsure top class comes after the objects, and alone when nothing else
// can be said, its low confidence telling how unsure it is.
TEST(CaptionsTest, AnUnsureTopClassComesLast) {
  const std::vector<ClassScore> unsure = {Class("n07684084", "French loaf", 0.1f)};
  EXPECT_EQ(Text({Object("cup", 0.8f)}, kNoFaces, unsure), "a cup");
  std::vector<Caption> captions = Captions({}, kNoFaces, unsure);
  ASSERT_EQ(captions.size(), 1u);
  EXPECT_EQ(captions[0].text, "a French loaf");
  EXPECT_FLOAT_EQ(captions[0].confidence, 0.1f);
}

TEST(CaptionsTest, UnsureBetweenSiblingsNamesTheirAncestor) {
  // Two retrievers at 0.3 each: the retriever (their parent) holds 0.6.
  std::vector<ClassScore> retrievers = {Class("n02099601", "golden retriever", 0.3f),
                                        Class("n02099712", "Labrador retriever", 0.3f)};
  std::vector<Caption> captions = Captions({}, kNoFaces, retrievers);
  ASSERT_FALSE(captions.empty());
  EXPECT_EQ(captions[0].text, "a retriever");
  EXPECT_FLOAT_EQ(captions[0].confidence, 0.6f);
  // A dog and a cat meet far above three levels: the top class alone.
  EXPECT_EQ(
      Text({}, kNoFaces,
           {Class("n02099601", "golden retriever", 0.3f), Class("n02123045", "tabby", 0.25f)}),
      "a golden retriever");
}

TEST(CaptionsTest, PeopleAreContextForTheSubject) {
  std::vector<ClassScore> retriever = {Class("n02099601", "golden retriever", 0.8f)};
  EXPECT_EQ(Text({Object("person", 0.8f), Object("dog", 0.9f)}, kNoFaces, retriever),
            "a person and a golden retriever");
  EXPECT_EQ(Text({Object("person", 0.45f)}, kNoFaces, retriever), "a golden retriever")
      << "an unsure person box is no context";
}

TEST(CaptionsTest, MoreCandidatesOnRequest) {
  std::vector<Caption> captions =
      Captions({Object("dog", 0.9f)}, kNoFaces, {Class("n02099601", "golden retriever", 0.8f)},
               {.max_candidates = 3});
  ASSERT_EQ(captions.size(), 2u);
  EXPECT_EQ(captions[0].text, "a golden retriever");
  EXPECT_FLOAT_EQ(captions[0].confidence, 0.8f);
  EXPECT_EQ(captions[1].text, "a dog");
}

}  // namespace
}  // namespace ocula
