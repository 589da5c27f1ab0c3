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

// The share of `inner`'s area that lies inside `outer` (0 when `inner` is empty).
float Containment(const Candidate& inner, const Candidate& outer);

// A box at least this much inside a better box of the same label is a
// duplicate of part of it (a detector's second "person" on an astronaut's
// torso), even when their IoU is low.
inline constexpr float kContainedDuplicate = 0.9f;

// Sorts `candidates` best first and drops every one that overlaps an
// already kept one by more than `iou_threshold`, or lies inside it by more
// than kContainedDuplicate (only boxes of the same label suppress each other
// when `per_class`; containment applies only then, since one face never
// contains another). Keeps at most `max_keep`.
std::vector<Candidate> Nms(std::vector<Candidate> candidates, float iou_threshold, bool per_class,
                           int max_keep);

}  // namespace ocula::vision_internal
