// SigV4 signing checked against AWS's published examples: the S3 "GET Object"
// example of the S3 API reference (sig-v4-header-based-auth) and cases of the
// Signature Version 4 test suite (aws-sig-v4-test-suite: get-vanilla,
// post-vanilla, get-vanilla-empty-query-key).
#include "blob/sigv4.h"

#include <gtest/gtest.h>

namespace ocula {
namespace {

const AwsCredentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const SigV4Scope kSuiteScope{"20150830T123600Z", "us-east-1", "service"};
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Request SuiteRequest(std::string method, std::string query = "") {
  return SigV4Request{std::move(method), "/", std::move(query),
                      {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                      kEmptySha256};
}

std::string SuiteAuthorization(const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
         "SignedHeaders=host;x-amz-date, Signature=" + signature;
}

TEST(SigV4Test, SuiteGetVanilla) {
  SigV4Request request = SuiteRequest("GET");
  EXPECT_EQ(SigV4CanonicalRequest(request),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(SigV4Authorization(request, kSuiteScope, kSuiteCredentials),
            SuiteAuthorization("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4Test, SuitePostVanilla) {
  EXPECT_EQ(SigV4Authorization(SuiteRequest("POST"), kSuiteScope, kSuiteCredentials),
            SuiteAuthorization("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
}

TEST(SigV4Test, SuiteGetVanillaEmptyQueryKey) {
  EXPECT_EQ(SigV4Authorization(SuiteRequest("GET", "Param1=value1"), kSuiteScope, kSuiteCredentials),
            SuiteAuthorization("a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"));
}

TEST(SigV4Test, S3GetObjectExample) {
  SigV4Request request{"GET", "/test.txt", "",
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"Range", "bytes=0-9"},
                        {"x-amz-content-sha256", kEmptySha256},
                        {"x-amz-date", "20130524T000000Z"}},
                       kEmptySha256};
  EXPECT_EQ(SigV4Authorization(request, {"20130524T000000Z", "us-east-1", "s3"},
                               {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""}),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, CanonicalFormSortsQueryAndHeadersAndTrimsValues) {
  SigV4Request request{"GET", "/", "b=2&a=1&a=0&flag",
                       {{"X-Amz-Date", "d"}, {"My-Header", "  a   b  "}, {"my-header", "c"}},
                       "UNSIGNED-PAYLOAD"};
  EXPECT_EQ(SigV4CanonicalRequest(request),
            "GET\n/\na=0&a=1&b=2&flag=\nmy-header:a b,c\nx-amz-date:d\n\n"
            "my-header;x-amz-date\nUNSIGNED-PAYLOAD");
}

TEST(SigV4Test, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(AwsUriEncode("images/a b+c~d_e.f-g", false), "images/a%20b%2Bc~d_e.f-g");
  EXPECT_EQ(AwsUriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(AwsUriEncode("\xE1\x88\xB4", false), "%E1%88%B4");
}

TEST(SigV4Test, AmzDateIsUtc) { EXPECT_EQ(AmzDate(1369353600), "20130524T000000Z"); }

}  // namespace
}  // namespace ocula
