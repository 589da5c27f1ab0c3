// TextRecognizer against the real Tesseract and the installed "eng" data:
// accuracy on the two reference pages, box geometry, text/no-text photos,
// language and data errors. Accuracies and per-page timings are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../vision/vision_test_util.h"
#include "vision/image/image.h"
#include "vision/ocr/ocr.h"

namespace ocula {
namespace {

using testing_vision::Message;
using testing_vision::ReadFileOrDie;
using testing_vision::TestDataPath;

// Full size: OCR must see the original pixels.
RgbImage DecodeFullSize(const std::string& relative) {
  ImageLimits limits;
  limits.max_bytes = 1ull << 30;
  limits.min_dimension = 1;
  auto decoded = DecodeImage(ReadFileOrDie(TestDataPath(relative)), 1 << 20, limits);
  EXPECT_TRUE(decoded.ok()) << relative << ": " << decoded.status();
  if (!decoded.ok()) return {};
  EXPECT_EQ(decoded->rgb.width, decoded->header.width) << relative << " was shrunk";
  return std::move(decoded->rgb);
}

std::vector<std::string> SplitWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::vector<std::string> RecognizedWords(const OcrPage& page) {
  std::vector<std::string> words;
  for (const auto& line : page.lines) {
    for (const auto& word : line.words) words.push_back(word.text);
  }
  return words;
}

// Word-level Levenshtein distance (substitutions, insertions, deletions).
size_t WordEditDistance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({substitute, previous[j] + 1, current[j - 1] + 1});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// 1 - (word edit distance / reference word count), floored at 0.
double WordAccuracy(const OcrPage& page, const std::string& reference_text) {
  const auto reference = SplitWords(reference_text);
  const auto recognized = RecognizedWords(page);
  const double errors = static_cast<double>(WordEditDistance(recognized, reference));
  return std::max(0.0, 1.0 - errors / static_cast<double>(reference.size()));
}

// Rotates `image` clockwise (as displayed) by `degrees` about its centre,
// nearest neighbour, filling with white.
RgbImage RotateClockwise(const RgbImage& image, double degrees) {
  RgbImage out = image;
  std::fill(out.pixels.begin(), out.pixels.end(), 255);
  const double radians = degrees * std::numbers::pi / 180.0;
  const double c = std::cos(radians), s = std::sin(radians);
  const double cx = image.width / 2.0, cy = image.height / 2.0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      // Inverse mapping: rotate the destination point counter-clockwise.
      const double dx = x - cx, dy = y - cy;
      const int sx = static_cast<int>(std::lround(cx + c * dx + s * dy));
      const int sy = static_cast<int>(std::lround(cy - s * dx + c * dy));
      if (sx < 0 || sy < 0 || sx >= image.width || sy >= image.height) continue;
      std::copy_n(&image.pixels[(static_cast<size_t>(sy) * image.width + sx) * 3], 3,
                  &out.pixels[(static_cast<size_t>(y) * image.width + x) * 3]);
    }
  }
  return out;
}

class TextRecognizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = TextRecognizer::Create("eng");
    ASSERT_TRUE(created.ok()) << created.status();
    recognizer_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() {
    delete recognizer_;
    recognizer_ = nullptr;
  }

  // Recognizes and prints the time taken.
  static OcrPage Recognize(const RgbImage& image, const std::string& name) {
    const auto start = std::chrono::steady_clock::now();
    auto page = recognizer_->Recognize(image);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(page.ok()) << name << ": " << page.status();
    if (!page.ok()) return {};
    std::printf("[ocr] %-28s %5dx%-5d %7.1f ms (single-threaded), %zu lines\n", name.c_str(),
                image.width, image.height, ms, page->lines.size());
    return *std::move(page);
  }

  static TextRecognizer* recognizer_;
};
TextRecognizer* TextRecognizerTest::recognizer_ = nullptr;

TEST_F(TextRecognizerTest, PhototestWordAccuracyAtLeast98Percent) {
  const OcrPage page = Recognize(DecodeFullSize("ocr/phototest.tif"), "ocr/phototest.tif");
  const double accuracy = WordAccuracy(page, ReadFileOrDie(TestDataPath("ocr/phototest.txt")));
  std::printf("[ocr] phototest word accuracy %.1f%%\n", 100 * accuracy);
  EXPECT_GE(accuracy, 0.98);
  EXPECT_NEAR(page.angle, 0, 1);  // the scan is a fraction of a degree off level
}

TEST_F(TextRecognizerTest, EurotextWordAccuracyWithEnglishModel) {
  // Accented words and „“ «» quotes with the English model only.
  const OcrPage page = Recognize(DecodeFullSize("ocr/eurotext.tif"), "ocr/eurotext.tif");
  const double accuracy = WordAccuracy(page, ReadFileOrDie(TestDataPath("ocr/eurotext.txt")));
  std::printf("[ocr] eurotext word accuracy %.1f%%\n", 100 * accuracy);
  EXPECT_GE(accuracy, 0.85);
}

TEST_F(TextRecognizerTest, BoxesAreInsideTheImageAndInReadingOrder) {
  const RgbImage image = DecodeFullSize("ocr/phototest.tif");
  const OcrPage page = Recognize(image, "ocr/phototest.tif");
  EXPECT_EQ(page.width, image.width);
  EXPECT_EQ(page.height, image.height);
  ASSERT_EQ(page.lines.size(), 8u);  // the reference's lines, less the blank one
  auto inside = [&](const Quad& q) {
    for (int i = 0; i < 8; i += 2) {
      if (q[i] < 0 || q[i] > image.width || q[i + 1] < 0 || q[i + 1] > image.height) return false;
    }
    // Clockwise from the top-left: top edge left to right, right edge downwards.
    return q[0] < q[2] && q[3] < q[5] && q[4] > q[6] && q[7] > q[1];
  };
  int previous_top = -1;
  for (const auto& line : page.lines) {
    EXPECT_TRUE(inside(line.box)) << line.text;
    EXPECT_GT(line.box[1], previous_top) << "lines out of order at: " << line.text;
    previous_top = line.box[1];
    int previous_left = -1;
    for (const auto& word : line.words) {
      EXPECT_TRUE(inside(word.box)) << word.text;
      EXPECT_GT(word.box[0], previous_left) << "words out of order at: " << word.text;
      previous_left = word.box[0];
      EXPECT_GE(word.box[0], line.box[0]);
      EXPECT_LE(word.box[4], line.box[4]);
      EXPECT_GT(word.confidence, 0.0f);
      EXPECT_LE(word.confidence, 1.0f);
    }
  }
  EXPECT_EQ(page.lines[0].text, "This is a lot of 12 point text to test the");
}

TEST_F(TextRecognizerTest, TextPhotosShowText) {
  for (const char* name : {"photos/page.png", "photos/imageTextN.png"}) {
    const OcrPage page = Recognize(DecodeFullSize(name), name);
    EXPECT_GE(RecognizedWords(page).size(), 5u) << name;
    EXPECT_TRUE(HasText(page)) << name;
  }
}

TEST_F(TextRecognizerTest, PhotosWithoutTextHaveNoText) {
  for (const char* name : {"imagenet-dev/n01440764_tench.JPEG", "detect/giraffe.jpg"}) {
    const OcrPage page = Recognize(DecodeFullSize(name), name);
    std::printf("[ocr] %s: %zu words\n", name, RecognizedWords(page).size());
    EXPECT_FALSE(HasText(page)) << name;
  }
}

TEST_F(TextRecognizerTest, BlankImageHasNoLines) {
  RgbImage blank{.width = 400, .height = 300, .pixels = std::vector<uint8_t>(400 * 300 * 3, 255)};
  const auto page = recognizer_->Recognize(blank);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->lines.empty());
  EXPECT_EQ(page->width, 400);
  EXPECT_EQ(page->height, 300);
}

TEST_F(TextRecognizerTest, SkewedTextReportsItsAngleClockwise) {
  const RgbImage rotated = RotateClockwise(DecodeFullSize("ocr/phototest.tif"), 3.0);
  const OcrPage page = Recognize(rotated, "phototest rotated 3 deg cw");
  std::printf("[ocr] rotated phototest: angle %.2f\n", page.angle);
  EXPECT_NEAR(page.angle, 3.0, 1.0);
}

TEST_F(TextRecognizerTest, WorksFromAnotherThread) {
  // One recognizer per worker thread: nothing ties it to the creating thread.
  const RgbImage image = DecodeFullSize("ocr/phototest.tif");
  OcrPage page;
  std::thread worker([&] { page = Recognize(image, "phototest on a worker thread"); });
  worker.join();
  EXPECT_GE(WordAccuracy(page, ReadFileOrDie(TestDataPath("ocr/phototest.txt"))), 0.98);
}

TEST_F(TextRecognizerTest, RejectsInconsistentImages) {
  EXPECT_EQ(recognizer_->Recognize(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  RgbImage short_buffer{.width = 10, .height = 10, .pixels = std::vector<uint8_t>(10)};
  EXPECT_EQ(recognizer_->Recognize(short_buffer).status().code(), StatusCode::kInvalidArgument);
}

TEST(TextRecognizerCreateTest, AcceptsTheApiCodeEn) {
  auto recognizer = TextRecognizer::Create("en");
  ASSERT_TRUE(recognizer.ok()) << recognizer.status();
  EXPECT_EQ((*recognizer)->language(), "eng");
}

TEST(TextRecognizerCreateTest, UnknownLanguageIsInvalidArgument) {
  for (const char* language : {"xx", "", "ENG", "eng+xx", "eng+", "en-US"}) {
    auto recognizer = TextRecognizer::Create(language);
    EXPECT_EQ(recognizer.status().code(), StatusCode::kInvalidArgument) << language;
  }
}

TEST(TextRecognizerCreateTest, MissingTessdataNamesTheFix) {
  testing_vision::TempDir empty;
  auto recognizer = TextRecognizer::Create("eng", empty.path().string());
  ASSERT_EQ(recognizer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(Message(recognizer.status()).find("install tesseract-ocr-eng"), std::string::npos)
      << recognizer.status();
  EXPECT_NE(Message(recognizer.status()).find(empty.path().string()), std::string::npos);
}

TEST(TextRecognizerCreateTest, MissingLanguagePackageIsNamed) {
  // zh-Hans maps to chi_sim, packaged by Debian as tesseract-ocr-chi-sim.
  testing_vision::TempDir empty;
  auto recognizer = TextRecognizer::Create("zh-Hans", empty.path().string());
  ASSERT_EQ(recognizer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(Message(recognizer.status()).find("tesseract-ocr-chi-sim"), std::string::npos)
      << recognizer.status();
}

}  // namespace
}  // namespace ocula
