// Candidate boxes of the detectors and greedy non-maximum suppression.
//
// Thread-safety: pure functions, safe for concurrent use.
#pragma once

#include <vector>

namespace ocula::vision_internal {

// One decoded detection before suppression, in model-input pixels
// (x1, y1) top-left, (x2, y2) bottom-right.
struct Candidate {
  float x1 = 0;
  float y1 = 0;
  float x2 = 0;
  float y2 = 0;
  float score = 0;  // 0..1
  int label = 0;    // class index; 0 for single-class detectors (faces)
};

// Intersection over union of two boxes; 0 when either is empty.
float Iou(const Candidate& a, const Candidate& b);

// Sorts `candidates` best first and drops every one that overlaps an
// already kept one by more than `iou_threshold` (only boxes of the same
// label suppress each other when `per_class`). Keeps at most `max_keep`.
std::vector<Candidate> Nms(std::vector<Candidate> candidates, float iou_threshold, bool per_class,
                           int max_keep);

}  // namespace ocula::vision_internal
