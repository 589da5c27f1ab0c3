// WHAT each feature produces: the result types of the Computer Vision features (CONTRACTS.md §1),
// shared by the feature modules, the Analyzer that runs them and the JSON writers. Plain values: no
// behaviour, no heavy includes.
//
// Coordinates are always in pixels of the ORIGINAL image as displayed (after
// EXIF orientation), whatever size a model ran at.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace ocula {

struct Box {
  int x = 0;  // left
  int y = 0;  // top
  int w = 0;
  int h = 0;
};

// Objects: one COCO-80 detection.
struct Detection {
  std::string label;  // COCO name, e.g. "dog"
  float confidence = 0;
  Box box;
};

// The `parent` chain of an object ("dog" -> "mammal" -> "animal").
struct ObjectParent {
  std::string object;
  float confidence = 0;
};

struct Face {
  Box box;
  float confidence = 0;
};

struct Tag {
  std::string name;
  float confidence = 0;
  std::string hint;  // "" when none
};

struct Category {
  std::string name;  // one of the 86 taxonomy names, e.g. "animal_dog"
  float score = 0;
};

struct Caption {
  std::string text;
  float confidence = 0;
};

struct ColorInfo {
  std::string dominant_foreground;  // one of the 12 names
  std::string dominant_background;
  std::vector<std::string> dominant_colors;
  std::string accent_color;  // "873B59": hex, no '#'
  bool is_bw = false;
};

struct ImageTypeInfo {
  int clip_art_type = 0;      // 0 none, 1 ambiguous, 2 normal, 3 good
  int line_drawing_type = 0;  // 0 or 1
};

// Adult content scores from the adult model. Gore is not modelled: there is
// no gore model, so no gore score is ever produced (see docs).
struct AdultInfo {
  bool is_adult = false;
  bool is_racy = false;
  float adult_score = 0;
  float racy_score = 0;
  std::vector<std::pair<std::string, float>> classes;  // raw model classes
};

// OCR: 8 numbers = x1,y1 (top-left), x2,y2 (top-right), x3,y3 (bottom-right),
// x4,y4 (bottom-left), clockwise, in pixels.
using Quad = std::array<int, 8>;

struct OcrWord {
  Quad box{};
  std::string text;
  float confidence = 0;
};

struct OcrLine {
  Quad box{};
  std::string text;
  std::vector<OcrWord> words;
};

struct OcrPage {
  int width = 0;
  int height = 0;
  double angle = 0;
  std::vector<OcrLine> lines;
};

}  // namespace ocula
