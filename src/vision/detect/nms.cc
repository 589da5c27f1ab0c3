#include "vision/detect/nms.h"

#include <algorithm>

namespace ocula::vision_internal {

float Iou(const Candidate& a, const Candidate& b) {
  float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  float inter = iw * ih;
  float area_a = (a.x2 - a.x1) * (a.y2 - a.y1);
  float area_b = (b.x2 - b.x1) * (b.y2 - b.y1);
  float uni = area_a + area_b - inter;
  return uni > 0 ? inter / uni : 0;
}

float Containment(const Candidate& inner, const Candidate& outer) {
  float iw = std::min(inner.x2, outer.x2) - std::max(inner.x1, outer.x1);
  float ih = std::min(inner.y2, outer.y2) - std::max(inner.y1, outer.y1);
  float area = (inner.x2 - inner.x1) * (inner.y2 - inner.y1);
  if (iw <= 0 || ih <= 0 || area <= 0) return 0;
  return iw * ih / area;
}

std::vector<Candidate> Nms(std::vector<Candidate> candidates, float iou_threshold, bool per_class,
                           int max_keep) {
  // stable_sort: equal scores keep decoder order, so results are reproducible.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<Candidate> kept;
  for (const Candidate& c : candidates) {
    if (static_cast<int>(kept.size()) >= max_keep) break;
    bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Candidate& k) {
      if (per_class && k.label != c.label) return false;
      return Iou(k, c) > iou_threshold || (per_class && Containment(c, k) > kContainedDuplicate);
    });
    if (!suppressed) kept.push_back(c);
  }
  return kept;
}

}  // namespace ocula::vision_internal
