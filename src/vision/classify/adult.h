// Adult feature (CONTRACTS.md §1 "Adult"): adult and racy scores from the
// adult model (models/adult/model.toml: NSFWJS MobileNetV2, classes Drawing,
// Hentai, Neutral, Porn, Sexy; see ../shared/models/MODELS.md).
//
// Mapping from the model's class probabilities (which sum to 1):
//   adultScore = Porn + Hentai                      (explicit content)
//   racyScore  = min(1, Sexy + adultScore)          (suggestive or explicit:
//                                                    explicit is also racy)
//   isAdultContent = adultScore > kAdultThreshold (0.7)
//   isRacyContent  = racyScore  > kRacyThreshold  (0.5)
// 0.5 is where the flagged classes outweigh all the others together. The
// adult threshold is higher because this small model gives skin-toned
// close-ups a high Porn probability: a blurred hand on a banjo in the ImageNet
// test photos scores 0.55-0.82 depending on the decoder's resampling (and is
// flagged with the TurboJPEG decode); the other ordinary test photos stay
// below 0.65. An adult flag should need clear evidence. Racy flags on sports photos
// (athletes in jerseys score Sexy 0.5-0.7) are accepted at 0.5. Callers
// wanting other cut-offs use the scores.
// There is no gore model, so no gore score is ever produced: AdultInfo has no
// gore field and the API layer must say so rather than invent one.
//
// Thread-safety: an AdultClassifier is NOT safe for concurrent use (it owns
// one ModelRunner); create one per worker thread. AdultFromClasses is pure.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"

namespace ocula {

class Classifier;

inline constexpr float kAdultThreshold = 0.7f;
inline constexpr float kRacyThreshold = 0.5f;

// The mapping above, from (class name, probability) pairs; classes not named
// there (Drawing, Neutral) only appear in AdultInfo::classes. Missing classes
// count as 0.
AdultInfo AdultFromClasses(std::vector<std::pair<std::string, float>> classes);

class AdultClassifier {
 public:
  // Loads the model named by `manifest` (already verified by
  // LoadModelManifest; task "classify") as `inference` says. FailedPrecondition when the labels
  // lack Porn, Hentai or Sexy; otherwise the errors of CreateModelRunner and
  // Classifier::Create (NotFound, InvalidArgument, FailedPrecondition).
  static StatusOr<std::unique_ptr<AdultClassifier>> Create(const ModelManifest& manifest,
                                                           const InferenceOptions& inference = {});

  // Scores `image` (any size; the manifest's preprocessing resizes it).
  // InvalidArgument for an empty image; Internal when the engine fails;
  // FailedPrecondition when the model's outputs do not match the labels.
  StatusOr<AdultInfo> Classify(const RgbImage& image);

  ~AdultClassifier();

 private:
  struct PassKey {};  // only Create constructs, through std::make_unique

 public:
  AdultClassifier(PassKey, std::unique_ptr<Classifier> classifier);

 private:
  // Constant after construction.
  const std::unique_ptr<Classifier> classifier_;
};

}  // namespace ocula
