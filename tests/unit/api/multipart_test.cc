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

TEST(MultipartTest, DispositionFilenameIsDecodedAndMadeSafe) {
  EXPECT_EQ(DispositionFilename("attachment; filename=\"dog.jpg\""), "dog.jpg");
  EXPECT_EQ(DispositionFilename("attachment; filename=plain.png"), "plain.png");
  EXPECT_EQ(DispositionFilename("attachment; filename=\"x.jpg\"; filename*=UTF-8''d%C3%B6g%20%231.jpg"),
            "d\xC3\xB6g #1.jpg");
  EXPECT_EQ(DispositionFilename("attachment; filename*=utf-8''a%2Fb.jpg"), "b.jpg");
  EXPECT_EQ(DispositionFilename("attachment; filename=\"C:\\Users\\me\\photo.jpg\""), "photo.jpg");
  EXPECT_EQ(DispositionFilename("attachment; filename=\"../../etc/passwd\""), "passwd");
  EXPECT_EQ(DispositionFilename("attachment; filename*=UTF-8''bell%07%0A.jpg"), "bell.jpg");
  EXPECT_EQ(DispositionFilename("attachment"), "");
  EXPECT_EQ(DispositionFilename(""), "");
  // Cut to 255 bytes, never inside a UTF-8 character (\xC3\xB6 is 2 bytes).
  std::string long_name;
  for (int i = 0; i < 200; ++i) long_name += "\xC3\xB6";
  std::string cut = DispositionFilename("attachment; filename=\"" + long_name + "\"");
  EXPECT_EQ(cut.size(), 254u);
  EXPECT_EQ(cut, long_name.substr(0, 254));
}

}  // namespace
}  // namespace ocula
