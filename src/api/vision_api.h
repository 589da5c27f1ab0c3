// Routes of the Computer Vision v3.2 compatibility API (/vision/v3.2/...).
// Errors use the contract's envelope (VisionErrorResponse).
#pragma once

#include <string>

#include "api/read_operations.h"
#include "api/router.h"
#include "api/url_fetcher.h"
#include "vision/analyzer_pool.h"

namespace ocula {

struct VisionDeps {
  AnalyzerPool& analyzers;
  ReadOperations& reads;
  UrlFetchOptions url_fetch;
};

void AddVisionRoutes(Router& router, const VisionDeps& deps);

}  // namespace ocula
