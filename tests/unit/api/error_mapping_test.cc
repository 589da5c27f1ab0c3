#include "api/error_mapping.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ocula {
namespace {

TEST(ErrorMappingTest, ReasonsPickTheContractStatus) {
  EXPECT_EQ(HttpStatusFor(UnsupportedMediaTypeError("x")), 415);
  EXPECT_EQ(HttpStatusFor(InvalidImageFormatError("x")), 400);
  EXPECT_EQ(HttpStatusFor(InvalidImageSizeError("x")), 400);
  EXPECT_EQ(HttpStatusFor(PayloadTooLargeError("x")), 413);
  EXPECT_EQ(HttpStatusFor(InsufficientStorageError("x")), 507);
  EXPECT_EQ(ErrorCodeFor(InvalidImageSizeError("x")), "InvalidImageSize");
}

TEST(ErrorMappingTest, CodesWithoutReason) {
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("x")), 429);
  EXPECT_EQ(ErrorCodeFor(absl::UnavailableError("x")), "ServiceUnavailable");
}

TEST(ErrorMappingTest, BodyIsTheJsonEnvelope) {
  HttpResponse r = ErrorResponse(InvalidImageSizeError("1x1 is too small"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], "InvalidImageSize");
  EXPECT_EQ(body["error"]["message"], "1x1 is too small");
}

TEST(ErrorMappingTest, InternalDetailsStayInTheLog) {
  HttpResponse r = ErrorResponse(absl::InternalError("sqlite: disk I/O error at /secret/path"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("/secret/path"), std::string::npos);
  HttpResponse busy = ErrorResponse(absl::UnavailableError("database is locked"));
  bool has_retry_after = false;
  for (auto& [k, v] : busy.headers) has_retry_after |= k == "Retry-After";
  EXPECT_TRUE(has_retry_after);
}

}  // namespace
}  // namespace ocula
