#include "vision/semantics/wordnet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace ocula {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

const WordNet& RealWordNet() {
  static const WordNet* wordnet = [] {
    auto start = std::chrono::steady_clock::now();
    StatusOr<std::unique_ptr<WordNet>> loaded = WordNet::Load();
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    std::printf("WordNet: %zu noun synsets loaded in %.0f ms\n", (*loaded)->size(), ms);
    return loaded->release();
  }();
  return *wordnet;
}

constexpr char kGoldenRetriever[] = "n02099601";
constexpr char kDog[] = "n02084071";
constexpr char kAnimal[] = "n00015388";

TEST(WordNetIdTest, ParsesAndFormats) {
  EXPECT_EQ(ParseWnid("n02084071"), 2084071u);
  EXPECT_EQ(FormatWnid(2084071), "n02084071");
  EXPECT_EQ(FormatWnid(1740), "n00001740");
  EXPECT_FALSE(ParseWnid("02084071").has_value());
  EXPECT_FALSE(ParseWnid("n0208407").has_value());
  EXPECT_FALSE(ParseWnid("n0208407x").has_value());
  EXPECT_FALSE(ParseWnid("v02084071").has_value());
}

TEST(WordNetTest, LoadsTheWholeNounGraph) {
  const WordNet& wordnet = RealWordNet();
  EXPECT_EQ(wordnet.size(), 82115u);  // WordNet 3.0 nouns
  EXPECT_EQ(wordnet.Name(kGoldenRetriever), "golden retriever");
  EXPECT_EQ(wordnet.Name("n07684084"), "French loaf");
  std::optional<Synset> dog = wordnet.Find(kDog);
  ASSERT_TRUE(dog.has_value());
  EXPECT_EQ(dog->id, kDog);
  EXPECT_THAT(dog->lemmas, Contains("domestic dog"));
  EXPECT_FALSE(wordnet.Contains("n99999999"));
  EXPECT_EQ(wordnet.Name("n99999999"), "");
}

TEST(WordNetTest, GoldenRetrieverIsADogAndAnAnimal) {
  const WordNet& wordnet = RealWordNet();
  std::vector<Synset> direct = wordnet.Hypernyms(kGoldenRetriever);
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(direct[0].name(), "retriever");

  std::vector<std::string> path = wordnet.HypernymPath(kGoldenRetriever);
  EXPECT_EQ(path.front(), kGoldenRetriever);
  EXPECT_EQ(path.back(), "n00001740");  // entity
  EXPECT_THAT(path, Contains(kDog));
  EXPECT_THAT(path, Contains(kAnimal));

  EXPECT_TRUE(wordnet.IsA(kGoldenRetriever, kDog));
  EXPECT_TRUE(wordnet.IsA(kGoldenRetriever, kAnimal));
  EXPECT_TRUE(wordnet.IsA(kDog, kDog));
  EXPECT_FALSE(wordnet.IsA(kDog, kGoldenRetriever));
  EXPECT_FALSE(wordnet.IsA("n02123045", kDog));  // tabby cat
}

TEST(WordNetTest, AncestorLevelsAreByDistance) {
  const WordNet& wordnet = RealWordNet();
  auto levels = wordnet.AncestorLevels(kGoldenRetriever);
  ASSERT_GE(levels.size(), 5u);
  EXPECT_EQ(levels[0], std::vector<std::string>{kGoldenRetriever});
  EXPECT_EQ(levels[1], std::vector<std::string>{"n02099029"});  // retriever
  EXPECT_THAT(levels[4], Contains(kDog));
  EXPECT_TRUE(wordnet.AncestorLevels("n99999999").empty());
}

TEST(WordNetTest, FollowsInstanceHypernyms) {
  // Mount Everest is an instance ("@i") of mountain peak, which is a location.
  const WordNet& wordnet = RealWordNet();
  EXPECT_TRUE(wordnet.IsA("n09277010", "n09360122"));
  EXPECT_TRUE(wordnet.IsA("n09277010", "n00027167"));
}

TEST(WordNetTest, MissingDataIsNotFoundWithInstallHint) {
  StatusOr<std::unique_ptr<WordNet>> loaded = WordNet::Load("/nonexistent/wordnet");
  ASSERT_EQ(loaded.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("wordnet-base"));
}

// A data.noun in miniature: every synset line must start at its byte offset.
std::string MiniDataNoun() {
  std::string text = "  1 This software and database is being provided\n";
  auto add = [&](const std::string& rest) {
    std::string offset = std::to_string(text.size());
    text += std::string(8 - offset.size(), '0') + offset + " " + rest + "\n";
    return text.size();
  };
  size_t entity = text.size();
  add("03 n 01 entity 0 000 | that which exists");
  std::string entity_id = std::to_string(entity);
  entity_id = std::string(8 - entity_id.size(), '0') + entity_id;
  add("05 n 02 dog 0 domestic_dog 0 001 @ " + entity_id + " n 0000 | a dog");
  return text;
}

TEST(WordNetTest, ParsesAMiniatureFile) {
  StatusOr<std::unique_ptr<WordNet>> wordnet = WordNet::FromDataNoun(MiniDataNoun());
  ASSERT_TRUE(wordnet.ok()) << wordnet.status();
  EXPECT_EQ((*wordnet)->size(), 2u);
  std::string dog = FormatWnid(static_cast<uint32_t>(MiniDataNoun().rfind("\n0000") + 1));
  ASSERT_TRUE((*wordnet)->Contains(dog)) << dog;
  EXPECT_EQ((*wordnet)->Find(dog)->lemmas, (std::vector<std::string>{"dog", "domestic dog"}));
  EXPECT_EQ((*wordnet)->Hypernyms(dog).at(0).name(), "entity");
}

TEST(WordNetTest, RejectsLinesNotAtTheirOffset) {
  std::string text = MiniDataNoun();
  text.insert(0, " ");  // shifts every offset by one
  StatusOr<std::unique_ptr<WordNet>> wordnet = WordNet::FromDataNoun(text);
  ASSERT_EQ(wordnet.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wordnet.status().message()), HasSubstr("line 2"));
}

TEST(WordNetTest, RejectsDanglingHypernyms) {
  std::string text = "00000000 03 n 01 thing 0 001 @ 00000999 n 0000 | x\n";
  EXPECT_EQ(WordNet::FromDataNoun(text).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WordNet::FromDataNoun("").status().code(), StatusCode::kInvalidArgument);
}

TEST(WordNetTest, ConcurrentReadsAgree) {
  const WordNet& wordnet = RealWordNet();
  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) hits[t] += wordnet.IsA(kGoldenRetriever, kAnimal) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(hits, std::vector<int>(4, 200));
}

}  // namespace
}  // namespace ocula
