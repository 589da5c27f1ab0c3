// VisionResult: everything one analysis produced, as values. The Analyzer
// fills the features that were asked for; result_json.h writes it in the
// Computer Vision v3.2 shape, for the /vision API and for stored documents
// alike, so stored and on-demand results agree.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vision/feature_set.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"

namespace ocula {

struct DetectedObject {
  Detection detection;
  std::vector<ObjectParent> parents;  // nearest first: dog -> mammal -> animal
};

struct ClassGuess {
  std::string wnid;  // WordNet id, e.g. "n02099601"
  std::string name;
  float confidence = 0;
};

struct Description {
  std::vector<std::string> tags;
  std::vector<Caption> captions;
};

struct VisionResult {
  FeatureSet features;  // what was asked for (and so is present below)
  ImageHeader image;    // of the original image
  std::map<std::string, std::string> exif;
  std::string model_version;

  std::vector<Category> categories;
  std::vector<Tag> tags;
  Description description;
  std::vector<Face> faces;
  std::vector<DetectedObject> objects;
  ColorInfo color;
  ImageTypeInfo image_type;
  AdultInfo adult;
  std::optional<OcrPage> text;  // when Text was asked for

  // Always computed (the classifier runs for tags, categories and description
  // anyway): the top classes and the embedding for similarity search.
  std::vector<ClassGuess> classes;
  std::vector<float> embedding;
  std::string embedding_model;
};

}  // namespace ocula
