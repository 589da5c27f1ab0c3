#include "quality_harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "vision/semantics/evidence.h"
#include "vision_test_util.h"

namespace ocula::testing_vision {
namespace {

constexpr int kCaptionLevels = 3;

// The objects really in each detection photo (testdata/README.md); a
// group of labels is found when any one of them is.
const std::map<std::string, std::vector<std::vector<std::string>>>& DetectTruth() {
  static const auto* truth = new std::map<std::string, std::vector<std::vector<std::string>>>{
      {"dog.jpg", {{"dog"}, {"bicycle"}, {"truck", "car"}}},
      {"horses.jpg", {{"horse"}}},
      {"giraffe.jpg", {{"giraffe"}, {"zebra"}}},
      {"person.jpg", {{"person"}, {"dog"}, {"horse"}}},
      {"eagle.jpg", {{"bird"}}},
  };
  return *truth;
}

std::string Lower(std::string text) {
  absl::AsciiStrToLower(&text);
  return text;
}

// True when text[i] does not continue a word.
bool WordEndsAt(const std::string& text, size_t i) {
  return i >= text.size() || !absl::ascii_isalnum(static_cast<unsigned char>(text[i]));
}

// True when `name` occurs in `text` as whole words, or with a plural "s" or
// "es" ("three snakes").
bool ContainsWords(const std::string& text, const std::string& name) {
  for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    if (at > 0 && !WordEndsAt(text, at - 1)) continue;
    const size_t end = at + name.size();
    if (WordEndsAt(text, end) || (text.compare(end, 1, "s") == 0 && WordEndsAt(text, end + 1)) ||
        (text.compare(end, 2, "es") == 0 && WordEndsAt(text, end + 2))) {
      return true;
    }
  }
  return false;
}

// Every lemma of `wnid` and of its ancestors up to `levels` above, lower case.
std::set<std::string> NamesUpTo(const WordNet& wordnet, const std::string& wnid, int levels) {
  std::set<std::string> names;
  auto all = wordnet.AncestorLevels(wnid);
  for (int level = 0; level <= levels && level < static_cast<int>(all.size()); ++level) {
    for (const std::string& id : all[level]) {
      if (auto synset = wordnet.Find(id)) {
        for (const std::string& lemma : synset->lemmas) names.insert(Lower(lemma));
      }
    }
  }
  return names;
}

// The canonical COCO labels whose synset is `wnid` or one of its ancestors.
std::set<std::string> CocoLabelsOver(const Semantics& semantics, const std::string& wnid) {
  std::set<std::string> labels;
  for (const ObjectInfo& object : semantics.tables().objects) {
    if (semantics.wordnet().IsA(wnid, object.wnid)) labels.insert(object.label);
  }
  return labels;
}

double Median(std::vector<int> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace

QualityReport MeasureQuality(Analyzer& analyzer, const Semantics& semantics) {
  const WordNet& wordnet = semantics.wordnet();
  const FeatureSet features = {Feature::kTags, Feature::kDescription, Feature::kObjects};
  QualityReport report;
  std::vector<int> tag_counts;
  double total_ms = 0;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(TestDataPath("imagenet-dev"))) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const std::string file = path.filename().string();
    const std::string wnid = file.substr(0, 9);
    const std::string bytes = ReadFileOrDie(path.string());
    auto start = std::chrono::steady_clock::now();
    auto result = analyzer.Run(bytes, features);
    total_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!result.ok()) {
      report.misses.push_back(file + ": " + std::string(result.status().message()));
      continue;
    }
    ++report.photos;
    const std::string caption =
        result->description.captions.empty() ? "" : Lower(result->description.captions[0].text);
    bool named = false;
    for (const std::string& name : NamesUpTo(wordnet, wnid, kCaptionLevels)) {
      named = named || ContainsWords(caption, name);
    }
    report.caption_names_subject += named;
    report.caption_outcomes.emplace_back(
        result->description.captions.empty() ? 0.0f : result->description.captions[0].confidence,
        named);
    if (!named) report.misses.push_back(file + ": \"" + caption + "\"");

    const std::set<std::string> class_names = NamesUpTo(wordnet, wnid, 0);
    bool tagged = false;
    for (const Tag& tag : result->tags) tagged = tagged || class_names.count(Lower(tag.name)) > 0;
    report.class_in_tags += tagged;
    tag_counts.push_back(static_cast<int>(result->tags.size()));

    bool hallucinated = false;
    for (const DetectedObject& object : result->objects) {
      const ObjectInfo* info = semantics.FindObject(object.detection.label);
      if (info == nullptr) continue;
      if (IsAnimalOrFood(wordnet, info->wnid) && !wordnet.IsA(wnid, info->wnid)) {
        hallucinated = true;
        report.misses.push_back(absl::StrFormat("%s: %s box at %.2f", file, object.detection.label,
                                                object.detection.confidence));
      }
    }
    report.hallucinated += hallucinated;

    const std::set<std::string> coco = CocoLabelsOver(semantics, wnid);
    if (!coco.empty()) {
      ++report.coco_photos;
      bool boxed = false;
      for (const DetectedObject& object : result->objects) {
        boxed = boxed || coco.count(semantics.CanonicalLabel(object.detection.label)) > 0;
      }
      report.coco_found += boxed;
    }
  }
  report.median_tags = Median(tag_counts);
  report.ms_per_photo = report.photos ? total_ms / report.photos : 0;

  for (const auto& [file, groups] : DetectTruth()) {
    auto result = analyzer.Run(ReadFileOrDie(TestDataPath("detect/" + file)), features);
    if (!result.ok()) continue;
    for (const auto& group : groups) {
      ++report.objects_expected;
      bool found = false;
      for (const DetectedObject& object : result->objects) {
        found =
            found || std::find(group.begin(), group.end(), object.detection.label) != group.end();
      }
      report.objects_found += found;
      if (!found) report.misses.push_back("detect/" + file + ": no " + group.front());
    }
  }
  return report;
}

std::string QualityHeader() {
  return "| configuration | caption names subject | class in tags | hallucinated boxes | "
         "median tags | COCO recall | object recall (detect/) | ms/photo |\n"
         "|---|---|---|---|---|---|---|---|";
}

std::string QualityRow(const std::string& name, const QualityReport& r) {
  return absl::StrFormat("| %s | %.2f | %.2f | %.2f | %.0f | %d/%d | %d/%d | %.1f |", name,
                         r.Share(r.caption_names_subject), r.Share(r.class_in_tags),
                         r.Share(r.hallucinated), r.median_tags, r.coco_found, r.coco_photos,
                         r.objects_found, r.objects_expected, r.ms_per_photo);
}

std::vector<ReliabilityBin> Reliability(const QualityReport& report, float width) {
  const int count = static_cast<int>(std::ceil(1.0f / width));
  std::vector<ReliabilityBin> bins(count);
  for (int i = 0; i < count; ++i) bins[i] = {i * width, std::min(1.0f, (i + 1) * width)};
  for (const auto& [confidence, named] : report.caption_outcomes) {
    const int i = std::clamp(static_cast<int>(confidence / width), 0, count - 1);
    ++bins[i].photos;
    bins[i].mean_confidence += confidence;
    bins[i].named += named;
  }
  for (ReliabilityBin& bin : bins) {
    if (bin.photos == 0) continue;
    bin.mean_confidence /= bin.photos;
    bin.named /= bin.photos;
  }
  return bins;
}

double CalibrationError(const std::vector<ReliabilityBin>& bins) {
  double gap = 0;
  int photos = 0;
  for (const ReliabilityBin& bin : bins) {
    gap += bin.photos * std::abs(bin.mean_confidence - bin.named);
    photos += bin.photos;
  }
  return photos ? gap / photos : 0;
}

std::string ReliabilityTable(const std::vector<ReliabilityBin>& bins) {
  std::string table =
      "| caption confidence | photos | mean confidence | caption names subject |\n"
      "|---|---|---|---|\n";
  for (const ReliabilityBin& bin : bins) {
    if (bin.photos == 0) continue;
    table += absl::StrFormat("| %.1f-%.1f | %d | %.2f | %.2f |\n", bin.low, bin.high, bin.photos,
                             bin.mean_confidence, bin.named);
  }
  return table + absl::StrFormat("calibration error (photo-weighted mean gap): %.3f",
                                 CalibrationError(bins));
}

}  // namespace ocula::testing_vision
