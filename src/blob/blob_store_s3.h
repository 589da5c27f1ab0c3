// S3BlobStore: blobs as objects in an S3 bucket (AWS S3, MinIO, Ceph RGW, any
// S3-compatible server), over HTTP with AWS Signature V4 (blob/sigv4.h).
//
// URI: s3://BUCKET[/PREFIX]?endpoint=URL&region=R&addressing=path|virtual
//   endpoint    default https://s3.REGION.amazonaws.com
//   region      default $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1
//   addressing  virtual (BUCKET.host/key) or path (host/BUCKET/key); default
//               virtual without an endpoint (AWS), path with one (what most
//               self-hosted servers want)
//   part_size   multipart part size in bytes (default 8 MiB, at least 5 MiB);
//               blobs larger than one part are uploaded in parts
//   ca_file     CA certificates for an endpoint with a private CA
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN),
// else the AWS_PROFILE (default "default") section of the shared credentials
// file ($AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials). Never in
// the URI, never logged.
//
// Semantics against the BlobStore contract: a PUT is atomic and durable when
// S3 answers 200; multipart uploads become visible only when completed and
// are aborted on failure. Delete checks the object exists first (S3's DELETE
// succeeds for absent keys), so "NotFound when absent" holds except for a
// concurrent delete. Open reads the first 4 MiB at once (a smaller blob is a
// snapshot) and streams the rest by ranges pinned to the object's ETag: a
// blob replaced while it is read fails with Aborted rather than mixing bytes.
// Transient failures (no reply, 429, 5xx) are retried 3 times, then Unavailable.
// List skips objects whose keys are not valid blob keys (put by other tools).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "blob/sigv4.h"
#include "core/env.h"
#include "core/uri.h"

namespace ocula {

struct S3Config {
  std::string bucket;
  std::string prefix;    // "" or ending in '/': prepended to every key
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region = "us-east-1";
  bool path_style = false;
  uint64_t part_size = 8 << 20;
  std::string ca_file;
  AwsCredentials credentials;
};

// InvalidArgument naming the problem (no bucket, bad endpoint, part size
// below 5 MiB, no credentials found and where they were looked for).
StatusOr<S3Config> S3ConfigFromUri(const Uri& uri, const EnvLookup& env = ProcessEnv());

StatusOr<std::unique_ptr<BlobStore>> OpenS3BlobStore(const S3Config& config);

}  // namespace ocula
