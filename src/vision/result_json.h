// JSON writers for VisionResult, in the Computer Vision v3.2 shapes
// (CONTRACTS.md §1). One writer serves the /vision API and the stored
// documents, so that both say the same thing about the same image.
#pragma once

#include <string>

#include "vision/vision_result.h"

namespace ocula {

// The body of POST /vision/v3.2/analyze: requestId, metadata, modelVersion
// and one field per requested feature. Adult results carry no gore fields:
// there is no gore model, and Ocula does not invent a score.
std::string AnalyzeResponseJson(const VisionResult& result, const std::string& request_id);

// The `analysis` field of a stored image document: the same feature fields as
// AnalyzeResponseJson, plus `classes`, `embedding` {model, dims}, `readResult`
// (when Text ran) and `modelVersion`.
std::string StoredAnalysisJson(const VisionResult& result);

// {"width","height","format","contentType","exif":{...}}
std::string ImageMetadataJson(const VisionResult& result);

// One page of the Read API: {page, angle, width, height, unit, lines[...]}.
std::string ReadResultJson(const OcrPage& page);

// The legacy /ocr response: {language, textAngle, orientation, regions[...]}.
std::string OcrResponseJson(const OcrPage& page, const std::string& language);

}  // namespace ocula
