// AWS Signature Version 4 for the S3 store: the canonical request, the string
// to sign, and the Authorization header, as AWS specifies them
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
// Checked against AWS's published examples in tests/unit/storage/sigv4_test.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "blob/http_transport.h"

namespace ocula {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" unless temporary credentials
};

struct SigV4Request {
  std::string method;
  std::string path;   // URI-encoded as sent, e.g. "/bucket/images/a"; "" means "/"
  std::string query;  // as sent, without '?': "list-type=2&prefix=images%2F"
  std::vector<HttpHeader> headers;  // every header to sign (host and x-amz-date included)
  std::string payload_sha256;       // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigV4Scope {
  std::string amz_date;  // "20130524T000000Z"
  std::string region;    // "us-east-1"
  std::string service;   // "s3"
};

// Percent-encodes everything but A-Z a-z 0-9 - . _ ~ (and '/' unless
// `encode_slash`), as SigV4 and S3 require.
std::string AwsUriEncode(std::string_view text, bool encode_slash);

std::string SigV4CanonicalRequest(const SigV4Request& request);
std::string SigV4StringToSign(const std::string& canonical_request, const SigV4Scope& scope);
// The value of the Authorization header.
std::string SigV4Authorization(const SigV4Request& request, const SigV4Scope& scope,
                               const AwsCredentials& credentials);

// "YYYYMMDDTHHMMSSZ" for a Unix time in seconds.
std::string AmzDate(int64_t unix_seconds);

}  // namespace ocula
