// A trained custom classifier head as the bytes of its blob, and back. An
// iteration's head is immutable: written once when training completes,
// read by every process that predicts with it.
//
// Format (version 1): the line "ocula-head 1", a line of JSON
//   {"featureModel": "...", "dim": D, "activation": "softmax" | "sigmoid",
//    "classes": [tag names], "tagIds": [tag ids]}
// then little-endian float32 values: the mean (D), the weights (K x D, one
// row per class) and the biases (K).
//
// Thread-safety: pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/classify/head_training.h"

namespace ocula {

struct StoredHead {
  std::string feature_model;         // the features it scores (RegionFeatures' name)
  std::vector<std::string> tag_ids;  // one per class, in the head's class order
  std::unique_ptr<CentredHead> head;
};

std::string EncodeHead(const CentredHead& head, const std::vector<std::string>& tag_ids,
                       const std::string& feature_model);

// DataLoss for bytes that are not a head of this format (damaged blob).
StatusOr<StoredHead> DecodeHead(std::string_view bytes);

}  // namespace ocula
