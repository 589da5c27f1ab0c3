#include "api/multipart.h"

#include <gtest/gtest.h>

namespace ocula {
namespace {

TEST(MultipartTest, BoundaryFromContentType) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; BOUNDARY=\"a b;c\""), "a b;c");
  EXPECT_EQ(MultipartBoundary("multipart/form-data").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MultipartTest, SplitsFilesAndFields) {
  std::string body =
      "preamble\r\n--XX\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
      "Content-Type: image/JPEG\r\n\r\n"
      "\xff\xd8 binary \r\n with CRLF\xff\xd9\r\n"
      "--XX\r\n"
      "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
      "hello\r\n"
      "--XX--\r\nepilogue";
  auto parts = ParseMultipart(body, "XX");
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_EQ((*parts)[0].filename, "a.jpg");
  EXPECT_EQ((*parts)[0].content_type, "image/jpeg");
  EXPECT_EQ((*parts)[0].data, "\xff\xd8 binary \r\n with CRLF\xff\xd9");
  EXPECT_EQ((*parts)[1].name, "note");
  EXPECT_EQ((*parts)[1].filename, "");
  EXPECT_EQ((*parts)[1].data, "hello");
}

TEST(MultipartTest, RejectsMalformedBodies) {
  EXPECT_EQ(ParseMultipart("no boundary here", "XX").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMultipart("--XX\r\nContent-Disposition: form-data\r\n\r\ndata without end", "XX")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMultipart("--XX\r\nno colon header\r\n\r\nx\r\n--XX--", "XX").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMultipart("--XXjunk", "XX").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula
