#include "vision/result_json.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include <nlohmann/json.hpp>

namespace ocula {
namespace {

using nlohmann::json;

double Round4(double v) { return std::round(v * 10000.0) / 10000.0; }

json BoxJson(const Box& b) { return {{"x", b.x}, {"y", b.y}, {"w", b.w}, {"h", b.h}}; }

json QuadJson(const Quad& q) { return json(std::vector<int>(q.begin(), q.end())); }

json ParentJson(const std::vector<ObjectParent>& parents, size_t i) {
  json p = {{"object", parents[i].object}, {"confidence", Round4(parents[i].confidence)}};
  if (i + 1 < parents.size()) p["parent"] = ParentJson(parents, i + 1);
  return p;
}

json ObjectsJson(const std::vector<DetectedObject>& objects) {
  json out = json::array();
  for (const DetectedObject& o : objects) {
    json j = {{"rectangle", BoxJson(o.detection.box)},
              {"object", o.detection.label},
              {"confidence", Round4(o.detection.confidence)}};
    if (!o.parents.empty()) j["parent"] = ParentJson(o.parents, 0);
    out.push_back(std::move(j));
  }
  return out;
}

json TagsJson(const std::vector<Tag>& tags) {
  json out = json::array();
  for (const Tag& t : tags) {
    json j = {{"name", t.name}, {"confidence", Round4(t.confidence)}};
    if (!t.hint.empty()) j["hint"] = t.hint;
    out.push_back(std::move(j));
  }
  return out;
}

json DescriptionJson(const Description& d) {
  json captions = json::array();
  for (const Caption& c : d.captions) {
    captions.push_back({{"text", c.text}, {"confidence", Round4(c.confidence)}});
  }
  return {{"tags", d.tags}, {"captions", captions}};
}

json FacesJson(const std::vector<Face>& faces) {
  json out = json::array();
  for (const Face& f : faces) {
    out.push_back({{"faceRectangle",
                    {{"left", f.box.x}, {"top", f.box.y}, {"width", f.box.w},
                     {"height", f.box.h}}}});
  }
  return out;
}

json CategoriesJson(const std::vector<Category>& categories) {
  json out = json::array();
  for (const Category& c : categories) {
    out.push_back({{"name", c.name}, {"score", Round4(c.score)}});
  }
  return out;
}

json ColorJson(const ColorInfo& c) {
  return {{"dominantColorForeground", c.dominant_foreground},
          {"dominantColorBackground", c.dominant_background},
          {"dominantColors", c.dominant_colors},
          {"accentColor", c.accent_color},
          {"isBWImg", c.is_bw}};
}

json AdultJson(const AdultInfo& a) {
  return {{"isAdultContent", a.is_adult},
          {"isRacyContent", a.is_racy},
          {"adultScore", Round4(a.adult_score)},
          {"racyScore", Round4(a.racy_score)}};
}

// The requested features' fields, in contract order.
json FeatureFields(const VisionResult& r) {
  json out = json::object();
  const FeatureSet& f = r.features;
  if (f.Has(Feature::kCategories)) out["categories"] = CategoriesJson(r.categories);
  if (f.Has(Feature::kAdult)) out["adult"] = AdultJson(r.adult);
  if (f.Has(Feature::kColor)) out["color"] = ColorJson(r.color);
  if (f.Has(Feature::kImageType)) {
    out["imageType"] = {{"clipArtType", r.image_type.clip_art_type},
                        {"lineDrawingType", r.image_type.line_drawing_type}};
  }
  if (f.Has(Feature::kTags)) out["tags"] = TagsJson(r.tags);
  if (f.Has(Feature::kDescription)) out["description"] = DescriptionJson(r.description);
  if (f.Has(Feature::kFaces)) out["faces"] = FacesJson(r.faces);
  if (f.Has(Feature::kObjects)) out["objects"] = ObjectsJson(r.objects);
  return out;
}

json ReadResult(const OcrPage& page) {
  json lines = json::array();
  for (const OcrLine& line : page.lines) {
    json words = json::array();
    for (const OcrWord& w : line.words) {
      words.push_back(
          {{"boundingBox", QuadJson(w.box)}, {"text", w.text}, {"confidence", Round4(w.confidence)}});
    }
    lines.push_back({{"boundingBox", QuadJson(line.box)}, {"text", line.text}, {"words", words}});
  }
  return {{"page", 1},          {"angle", page.angle}, {"width", page.width},
          {"height", page.height}, {"unit", "pixel"}, {"lines", lines}};
}

// "x,y,w,h" of the quads' bounding rectangle, as the legacy /ocr API writes boxes.
std::string LegacyBox(const Quad& q) {
  int x0 = std::min({q[0], q[2], q[4], q[6]}), y0 = std::min({q[1], q[3], q[5], q[7]});
  int x1 = std::max({q[0], q[2], q[4], q[6]}), y1 = std::max({q[1], q[3], q[5], q[7]});
  return std::to_string(x0) + "," + std::to_string(y0) + "," + std::to_string(x1 - x0) + "," +
         std::to_string(y1 - y0);
}

}  // namespace

std::string AnalyzeResponseJson(const VisionResult& result, const std::string& request_id) {
  json out = FeatureFields(result);
  out["requestId"] = request_id;
  out["metadata"] = {{"width", result.image.width},
                     {"height", result.image.height},
                     {"format", result.image.format}};
  out["modelVersion"] = result.model_version;
  return out.dump();
}

std::string StoredAnalysisJson(const VisionResult& result) {
  json out = FeatureFields(result);
  json classes = json::array();
  for (const ClassGuess& c : result.classes) {
    classes.push_back({{"wnid", c.wnid}, {"name", c.name}, {"confidence", Round4(c.confidence)}});
  }
  out["classes"] = std::move(classes);
  if (!result.embedding.empty()) {
    out["embedding"] = {{"model", result.embedding_model}, {"dims", result.embedding.size()}};
  }
  if (result.text) out["readResult"] = ReadResult(*result.text);
  out["features"] = FormatFeatureList(result.features);
  out["modelVersion"] = result.model_version;
  return out.dump();
}

std::string ImageMetadataJson(const VisionResult& result) {
  json exif = json::object();
  for (const auto& [k, v] : result.exif) exif[k] = v;
  return json{{"width", result.image.width},
              {"height", result.image.height},
              {"format", result.image.format},
              {"contentType", result.image.mime_type},
              {"exif", std::move(exif)}}
      .dump();
}

std::string ReadResultJson(const OcrPage& page) { return ReadResult(page).dump(); }

std::string OcrResponseJson(const OcrPage& page, const std::string& language) {
  json lines = json::array();
  for (const OcrLine& line : page.lines) {
    json words = json::array();
    for (const OcrWord& w : line.words) {
      words.push_back({{"boundingBox", LegacyBox(w.box)}, {"text", w.text}});
    }
    lines.push_back({{"boundingBox", LegacyBox(line.box)}, {"words", words}});
  }
  json regions = json::array();
  if (!page.lines.empty()) {
    Quad all = page.lines.front().box;
    int x0 = INT32_MAX, y0 = INT32_MAX, x1 = 0, y1 = 0;
    for (const OcrLine& line : page.lines) {
      for (int i = 0; i < 8; i += 2) {
        x0 = std::min(x0, line.box[i]);
        x1 = std::max(x1, line.box[i]);
        y0 = std::min(y0, line.box[i + 1]);
        y1 = std::max(y1, line.box[i + 1]);
      }
    }
    all = {x0, y0, x1, y0, x1, y1, x0, y1};
    regions.push_back({{"boundingBox", LegacyBox(all)}, {"lines", lines}});
  }
  return json{{"language", language},
              {"textAngle", page.angle},
              {"orientation", "Up"},
              {"regions", regions}}
      .dump();
}

}  // namespace ocula
