// The vision quality harness (issue 23): runs an Analyzer over photos whose
// true ImageNet class is known (../shared/testdata/imagenet-dev, the WordNet
// id starts the file name) and measures what a person notices first:
//   caption names the subject   the first caption contains a name of the
//                               true class or of a WordNet ancestor at most 3
//                               levels above it ("a snake" counts for a
//                               thunder snake; "an animal" does not);
//   class in tags               a name of the true class is a tag;
//   hallucinated boxes          photos with a box of a COCO animal or food
//                               label that is neither the true class nor an
//                               ancestor of it (people, vehicles, furniture
//                               really appear in many photos: not counted);
//   median tags                 per photo, so that padding the tag list to
//                               raise "class in tags" shows;
//   COCO recall                 of the photos whose true class lies under a
//                               COCO label (a dog breed under "dog", a
//                               sports car under "car"), the share with a
//                               box of that label;
// and, on ../shared/testdata/detect (objects stated in its README), the
// recall of the objects that are really there, so that dropping boxes to
// lower hallucinations shows too.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vision/analyzer.h"
#include "vision/semantics/semantics.h"

namespace ocula::testing_vision {

struct QualityReport {
  int photos = 0;
  int caption_names_subject = 0;
  int class_in_tags = 0;
  int hallucinated = 0;
  double median_tags = 0;
  int coco_photos = 0;       // photos whose class lies under a COCO label
  int coco_found = 0;        // ... that got a box of it
  int objects_expected = 0;  // on detect/
  int objects_found = 0;
  double ms_per_photo = 0;          // Run's wall time, imagenet-dev
  std::vector<std::string> misses;  // "file: first caption" where it missed the subject
  // The first caption's confidence on each photo, and whether it named the
  // subject: the pairs behind the reliability table.
  std::vector<std::pair<float, bool>> caption_outcomes;

  double Share(int count) const { return photos ? static_cast<double>(count) / photos : 0; }
};

// Runs `analyzer` with Tags, Description and Objects on every imagenet-dev
// photo and on the detection photos; `semantics` knows the labels' synsets.
QualityReport MeasureQuality(Analyzer& analyzer, const Semantics& semantics);

// "| name | 0.83 | 0.97 | 0.04 | 9 | 0.81 | 9/10 | 31.0 |" (the columns of QualityHeader()).
std::string QualityHeader();
std::string QualityRow(const std::string& name, const QualityReport& report);

// Calibration of the first caption's confidence: the photos binned by it
// (bins of `width`), each bin's mean confidence against the share of its
// photos whose caption named the subject.
struct ReliabilityBin {
  float low = 0, high = 0;
  int photos = 0;
  double mean_confidence = 0;
  double named = 0;  // share
};
std::vector<ReliabilityBin> Reliability(const QualityReport& report, float width = 0.2f);
// The photo-weighted mean gap between confidence and the named share.
double CalibrationError(const std::vector<ReliabilityBin>& bins);
std::string ReliabilityTable(const std::vector<ReliabilityBin>& bins);

}  // namespace ocula::testing_vision
