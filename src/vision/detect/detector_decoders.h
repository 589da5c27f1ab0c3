// Output decoders of the detectors: raw model outputs -> candidate boxes in
// model-input pixels, before non-maximum suppression. Chosen by the
// manifest's `decoder`; models/README.md documents each one.
//
// Thread-safety: pure functions and constant tables, safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/detect/nms.h"
#include "vision/models/model_runner.h"

namespace ocula::vision_internal {

struct DecodeContext {
  int input_width = 0;  // the model input, pixels
  int input_height = 0;
  int num_classes = 1;        // labels for object detectors; 1 for faces
  float score_threshold = 0;  // candidates scoring less are skipped
  std::string model;          // the model path, for messages
};

using DecodeFn = StatusOr<std::vector<Candidate>> (*)(const std::vector<Tensor>& outputs,
                                                      const DecodeContext& context);

struct DecoderInfo {
  std::string_view name;           // the manifest's `decoder`
  std::string_view task;           // "objects" or "faces"
  std::vector<std::string> roles;  // [outputs] roles, in the order `decode` reads them
  bool per_class_nms = true;       // else one class-agnostic suppression
  DecodeFn decode = nullptr;
};

// The decoder named `name` for `task`, or nullptr when there is none.
const DecoderInfo* FindDecoder(std::string_view task, std::string_view name);

// The decoders, exposed for tests with hand-made tensors. Each returns
// FailedPrecondition naming the model when an output's size does not match
// the input size, the strides or the class count.
StatusOr<std::vector<Candidate>> DecodeFastestDet(const std::vector<Tensor>& outputs,
                                                  const DecodeContext& context);
StatusOr<std::vector<Candidate>> DecodeNanoDet(const std::vector<Tensor>& outputs,
                                               const DecodeContext& context);
StatusOr<std::vector<Candidate>> DecodePicoDet(const std::vector<Tensor>& outputs,
                                               const DecodeContext& context);
StatusOr<std::vector<Candidate>> DecodeYuNet(const std::vector<Tensor>& outputs,
                                             const DecodeContext& context);
StatusOr<std::vector<Candidate>> DecodeUltraFace(const std::vector<Tensor>& outputs,
                                                 const DecodeContext& context);

}  // namespace ocula::vision_internal
