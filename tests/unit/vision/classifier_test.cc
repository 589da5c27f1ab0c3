#include "vision/classify/classifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::ReadFileOrDie;
using testing_vision::RepoModelDir;
using testing_vision::TestDataPath;

TEST(ParseLabelsTest, TsvAndPlainLines) {
  auto labels = ParseLabels("n01440764\ttench, Tinca tinca\r\nn01443537\tgoldfish\n\ncat, kitty\n");
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->size(), 3u);
  EXPECT_EQ((*labels)[0].id, "n01440764");
  EXPECT_EQ((*labels)[0].name, "tench");
  EXPECT_EQ((*labels)[1].name, "goldfish");
  EXPECT_EQ((*labels)[2].id, "");
  EXPECT_EQ((*labels)[2].name, "cat");
  EXPECT_EQ(ParseLabels("\n \n").status().code(), StatusCode::kInvalidArgument);
}

RgbImage Solid(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image{width, height, {}};
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

ModelInputSpec ImageNetSpec() {
  ModelInputSpec spec;
  spec.name = "input";
  spec.width = 224;
  spec.height = 224;
  spec.resize_short_side = 256;
  spec.scale = 1.0f / 255;
  spec.mean = {0.485f, 0.456f, 0.406f};
  spec.std = {0.229f, 0.224f, 0.225f};
  return spec;
}

TEST(PreprocessImageTest, NormalisesIntoNchw) {
  auto t = PreprocessImage(Solid(400, 300, 255, 0, 128), ImageNetSpec());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->shape, (std::vector<int64_t>{1, 3, 224, 224}));
  const size_t plane = 224 * 224;
  EXPECT_NEAR(t->data[0], (1.0f - 0.485f) / 0.229f, 1e-4);
  EXPECT_NEAR(t->data[plane + 1000], (0.0f - 0.456f) / 0.224f, 1e-4);
  EXPECT_NEAR(t->data[2 * plane + plane - 1], (128 / 255.0f - 0.406f) / 0.225f, 1e-4);
}

TEST(PreprocessImageTest, BgrAndNhwc) {
  ModelInputSpec spec = ImageNetSpec();
  spec.color = "BGR";
  spec.layout = "NHWC";
  spec.resize = "stretch";
  spec.mean = {0, 0, 0};
  spec.std = {1, 1, 1};
  spec.scale = 1;
  auto t = PreprocessImage(Solid(50, 70, 10, 20, 30), spec);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->shape, (std::vector<int64_t>{1, 224, 224, 3}));
  EXPECT_FLOAT_EQ(t->data[0], 30);
  EXPECT_FLOAT_EQ(t->data[1], 20);
  EXPECT_FLOAT_EQ(t->data[2], 10);
}

TEST(PreprocessImageTest, CropsTheCentre) {
  // Left third red, middle third green, right third blue: the centre crop of
  // a wide image must hold only the middle.
  RgbImage image{768, 256, {}};
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 768; ++x) {
      int third = x / 256;
      image.pixels.insert(image.pixels.end(),
                          {uint8_t(third == 0 ? 255 : 0), uint8_t(third == 1 ? 255 : 0),
                           uint8_t(third == 2 ? 255 : 0)});
    }
  }
  ModelInputSpec spec = ImageNetSpec();
  spec.mean = {0, 0, 0};
  spec.std = {1, 1, 1};
  auto t = PreprocessImage(image, spec);
  ASSERT_TRUE(t.ok()) << t.status();
  const size_t plane = 224 * 224;
  for (size_t i : {size_t{0}, size_t{223}, plane - 1}) {
    EXPECT_FLOAT_EQ(t->data[i], 0) << i;              // red
    EXPECT_FLOAT_EQ(t->data[plane + i], 1) << i;      // green
    EXPECT_FLOAT_EQ(t->data[2 * plane + i], 0) << i;  // blue
  }
}

TEST(PreprocessImageTest, RejectsEmptyImage) {
  EXPECT_EQ(PreprocessImage(RgbImage{}, ImageNetSpec()).status().code(),
            StatusCode::kInvalidArgument);
}

std::unique_ptr<Classifier> MakeClassifier(const std::string& engine) {
  auto manifest = LoadModelManifest(RepoModelDir() + "/classify/model.toml");
  EXPECT_TRUE(manifest.ok()) << manifest.status();
  if (!manifest.ok()) return nullptr;
  auto runner = CreateModelRunner(ClassifierRunnerOptions(*manifest, {.engine = engine}));
  EXPECT_TRUE(runner.ok()) << runner.status();
  if (!runner.ok()) return nullptr;
  auto classifier = Classifier::Create(*manifest, *std::move(runner));
  EXPECT_TRUE(classifier.ok()) << classifier.status();
  return classifier.ok() ? *std::move(classifier) : nullptr;
}

StatusOr<Classification> ClassifyFile(Classifier& classifier, const std::string& relative) {
  OCULA_ASSIGN_OR_RETURN(DecodedImage image,
                         DecodeImage(ReadFileOrDie(TestDataPath(relative)), 256, ImageLimits{}));
  return classifier.Classify(image.rgb, 5);
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

class ClassifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    onnx_ = MakeClassifier("onnxruntime");
    opencv_ = MakeClassifier("opencv");
  }
  static void TearDownTestSuite() {
    onnx_.reset();
    opencv_.reset();
  }
  void SetUp() override {
    ASSERT_NE(onnx_, nullptr);
    ASSERT_NE(opencv_, nullptr);
  }
  // Loaded once for the suite: model loading dominates these tests' time.
  static inline std::unique_ptr<Classifier> onnx_;
  static inline std::unique_ptr<Classifier> opencv_;
};

TEST_F(ClassifierTest, FindsTheCatAndTheDog) {
  auto cat = ClassifyFile(*onnx_, "photos/chelsea.png");
  ASSERT_TRUE(cat.ok()) << cat.status();
  ASSERT_EQ(cat->top.size(), 5u);
  EXPECT_GE(cat->top[0].index, 281);  // ImageNet's domestic cats: 281 tabby .. 285 Egyptian
  EXPECT_LE(cat->top[0].index, 285) << cat->top[0].name;
  EXPECT_EQ(cat->embedding.size(), 1280u);
  double sum = 0;
  for (const ClassScore& c : cat->top) sum += c.probability;
  EXPECT_LE(sum, 1.0001);
  EXPECT_GE(cat->top[0].probability, cat->top[1].probability);

  auto dog = ClassifyFile(*onnx_, "detect/dog.jpg");
  ASSERT_TRUE(dog.ok()) << dog.status();
  bool has_dog = false;
  for (const ClassScore& c : dog->top) has_dog |= c.index >= 151 && c.index <= 268;
  EXPECT_TRUE(has_dog) << dog->top[0].name;
}

TEST_F(ClassifierTest, EnginesAgree) {
  for (const char* file : {"photos/chelsea.png", "detect/dog.jpg", "photos/orange.jpg",
                           "imagenet-dev/n01440764_tench.JPEG", "photos/coffee.png"}) {
    auto a = ClassifyFile(*onnx_, file);
    auto b = ClassifyFile(*opencv_, file);
    ASSERT_TRUE(a.ok() && b.ok()) << file;
    EXPECT_EQ(a->top[0].index, b->top[0].index) << file;
    EXPECT_NEAR(a->top[0].probability, b->top[0].probability, 0.03) << file;
    EXPECT_GT(Cosine(a->embedding, b->embedding), 0.99) << file;
  }
}

// The classifier is the pipeline's ImageEmbedder: Embed gives the vector that
// Classify carries, named after the manifest (what search and custom
// classifiers store beside each vector).
TEST(ClassifierEmbedderTest, EmbedMatchesClassify) {
  std::unique_ptr<Classifier> classifier = MakeClassifier("onnxruntime");
  ASSERT_NE(classifier, nullptr);
  ImageEmbedder& embedder = *classifier;
  EXPECT_EQ(embedder.EmbeddingModel(), classifier->manifest().name);
  auto image = DecodeImage(ReadFileOrDie(TestDataPath("detect/dog.jpg")), 256, ImageLimits{});
  ASSERT_TRUE(image.ok()) << image.status();
  auto embedding = embedder.Embed(image->rgb);
  ASSERT_TRUE(embedding.ok()) << embedding.status();
  EXPECT_EQ(embedding->model, classifier->manifest().name);
  EXPECT_EQ(embedding->values.size(), 1280u);
  auto classes = classifier->Classify(image->rgb, 1);
  ASSERT_TRUE(classes.ok()) << classes.status();
  EXPECT_EQ(embedding->values, classes->embedding);
}

}  // namespace
}  // namespace ocula
