// HasText: the text-presence rule on hand-built pages (no Tesseract).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "vision/ocr/ocr.h"

namespace ocula {
namespace {

OcrPage PageOf(const std::vector<std::pair<std::string, float>>& words) {
  OcrPage page;
  page.lines.emplace_back();
  for (const auto& [text, confidence] : words) {
    OcrWord word;
    word.text = text;
    word.confidence = confidence;
    page.lines.back().words.push_back(word);
  }
  return page;
}

TEST(HasTextTest, EmptyPageHasNoText) { EXPECT_FALSE(HasText(OcrPage{})); }

TEST(HasTextTest, ThreeConfidentWordsAreText) {
  EXPECT_TRUE(HasText(PageOf({{"The", 0.9f}, {"quick", 0.95f}, {"fox", 0.8f}})));
}

TEST(HasTextTest, WordsAcrossLinesCount) {
  OcrPage page = PageOf({{"The", 0.9f}, {"quick", 0.95f}});
  page.lines.push_back(PageOf({{"fox", 0.8f}}).lines[0]);
  EXPECT_TRUE(HasText(page));
}

TEST(HasTextTest, LowConfidenceWordsDoNotCount) {
  EXPECT_FALSE(HasText(PageOf({{"The", 0.9f}, {"quick", 0.95f}, {"fox", 0.6f}})));
}

TEST(HasTextTest, ShortOrSymbolOnlyWordsDoNotCount) {
  EXPECT_FALSE(HasText(PageOf({{"a", 0.9f}, {"|", 0.9f}, {"--", 0.9f}, {"ok", 0.9f}})));
}

TEST(HasTextTest, AccentedWordsCountCharactersNotBytes) {
  // "é" is two bytes: one character is still below min_word_chars = 2.
  EXPECT_FALSE(HasText(PageOf({{"é", 0.9f}, {"la", 0.9f}, {"de", 0.9f}})));
  EXPECT_TRUE(HasText(PageOf({{"été", 0.9f}, {"la", 0.9f}, {"de", 0.9f}})));
}

TEST(HasTextTest, ThresholdsAreAdjustable) {
  const OcrPage page = PageOf({{"STOP", 0.7f}});
  EXPECT_FALSE(HasText(page));
  EXPECT_TRUE(HasText(page, TextPresence{.min_words = 1, .min_confidence = 0.5f}));
}

}  // namespace
}  // namespace ocula
