#include "blob/blob_store_s3.h"

#include <pugixml.hpp>

#include <ctime>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "blob/http_transport.h"
#include "blob/object_store_http.h"
#include "core/sha256.h"

namespace ocula {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr uint64_t kMaxPartSize = 5ull << 30;
constexpr size_t kMaxKeysPerList = 1000;
constexpr uint64_t kReadChunk = 4ull << 20;  // bytes per ranged GET when streaming

std::string RangeHeader(uint64_t offset, uint64_t length) {
  return absl::StrCat("bytes=", offset, "-", offset + length - 1);
}

Status InvalidKey(std::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat("invalid blob key '", AbslView(key), "'"));
}

// The [profile] section of an AWS shared credentials file.
AwsCredentials CredentialsFromFile(const std::string& path, const std::string& profile) {
  AwsCredentials out;
  std::ifstream in(path);
  std::string line;
  bool in_profile = false;
  while (std::getline(in, line)) {
    std::string text(absl::StripAsciiWhitespace(line));
    if (text.empty() || text.front() == '#' || text.front() == ';') continue;
    if (text.front() == '[') {
      in_profile = text == absl::StrCat("[", profile, "]");
      continue;
    }
    size_t eq = text.find('=');
    if (!in_profile || eq == std::string::npos) continue;
    std::string name(absl::StripAsciiWhitespace(text.substr(0, eq)));
    std::string value(absl::StripAsciiWhitespace(text.substr(eq + 1)));
    if (name == "aws_access_key_id") out.access_key_id = value;
    if (name == "aws_secret_access_key") out.secret_access_key = value;
    if (name == "aws_session_token") out.session_token = value;
  }
  return out;
}

StatusOr<AwsCredentials> FindCredentials(const EnvLookup& env) {
  AwsCredentials creds{EnvValue(env, "AWS_ACCESS_KEY_ID"), EnvValue(env, "AWS_SECRET_ACCESS_KEY"),
                       EnvValue(env, "AWS_SESSION_TOKEN")};
  if (!creds.access_key_id.empty() && !creds.secret_access_key.empty()) return creds;
  std::string file = EnvValue(env, "AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !EnvValue(env, "HOME").empty()) file = EnvValue(env, "HOME") + "/.aws/credentials";
  std::string profile = EnvValue(env, "AWS_PROFILE").empty() ? "default" : EnvValue(env, "AWS_PROFILE");
  if (!file.empty()) {
    creds = CredentialsFromFile(file, profile);
    if (!creds.access_key_id.empty() && !creds.secret_access_key.empty()) return creds;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put "
      "aws_access_key_id and aws_secret_access_key in the [",
      profile, "] section of ", file.empty() ? "~/.aws/credentials" : file,
      " (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE)"));
}

class S3BlobStore : public BlobStore {
 public:
  explicit S3BlobStore(S3Config config)
      : config_(std::move(config)), transport_(HttpTransportOptions{.ca_file = config_.ca_file}) {
    size_t scheme_end = config_.endpoint.find("://") + 3;
    std::string host = HostOfUrl(config_.endpoint);
    if (config_.path_style) {
      origin_ = config_.endpoint;
      host_ = host;
      bucket_path_ = "/" + config_.bucket;
    } else {
      origin_ = absl::StrCat(config_.endpoint.substr(0, scheme_end), config_.bucket, ".", host);
      host_ = absl::StrCat(config_.bucket, ".", host);
    }
  }

  Status Put(std::string_view key, std::string_view data) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    if (data.size() > config_.part_size) return PutMultipart(key, data);
    return Call("PUT", ObjectPath(key), "", data, {}).status();
  }

  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    const std::string path = ObjectPath(key);
    auto head = [&]() -> StatusOr<BlobHead> {
      OCULA_ASSIGN_OR_RETURN(HttpReply reply, Call("HEAD", path, "", "", {}));
      BlobHead blob{0, reply.Header("etag")};
      (void)absl::SimpleAtoi(reply.Header("content-length"), &blob.size);
      return blob;
    };
    auto fetch_for = [this, path](const std::string& etag) -> RangeFetch {
      return [this, path, etag](uint64_t offset, uint64_t length) -> StatusOr<std::string> {
        std::vector<HttpHeader> headers = {{"Range", RangeHeader(offset, length)}};
        if (!etag.empty()) headers.push_back({"If-Match", etag});
        OCULA_ASSIGN_OR_RETURN(HttpReply reply, Call("GET", path, "", "", headers));
        if (reply.body.size() > length) reply.body = reply.body.substr(offset, length);  // range ignored
        return std::move(reply.body);
      };
    };
    return OpenPinnedReader(head, fetch_for, kReadChunk);
  }

  StatusOr<BlobInfo> Stat(std::string_view key) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    OCULA_ASSIGN_OR_RETURN(HttpReply head, Call("HEAD", ObjectPath(key), "", "", {}));
    BlobInfo info{std::string(key), 0, ParseHttpTimeMs(head.Header("last-modified"))};
    (void)absl::SimpleAtoi(head.Header("content-length"), &info.size);
    return info;
  }

  Status Delete(std::string_view key) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    OCULA_RETURN_IF_ERROR(Call("HEAD", ObjectPath(key), "", "", {}).status());
    return Call("DELETE", ObjectPath(key), "", "", {}).status();
  }

  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override;

  Status CheckHealth() override {
    auto reply = Call("HEAD", BucketPath(), "", "", {});
    if (reply.status().code() == StatusCode::kNotFound) {
      return absl::FailedPreconditionError(
          absl::StrCat("S3 bucket '", config_.bucket, "' does not exist at ", config_.endpoint));
    }
    return reply.status();
  }

 private:
  std::string BucketPath() const { return bucket_path_.empty() ? "/" : bucket_path_; }
  std::string ObjectPath(std::string_view key) const {
    return absl::StrCat(bucket_path_, "/", AwsUriEncode(config_.prefix + std::string(key), false));
  }

  // One signed request, retried while transient; any reply.
  StatusOr<HttpReply> CallRaw(const std::string& method, const std::string& path,
                              const std::string& query, std::string_view body,
                              const std::vector<HttpHeader>& extra) {
    std::string payload_hash = Sha256Hex(body);
    return SendWithRetry(transport_, [&] {
      return Signed(method, path, query, body, payload_hash, extra);
    });
  }

  // CallRaw with a non-2xx reply turned into its Status.
  StatusOr<HttpReply> Call(const std::string& method, const std::string& path,
                           const std::string& query, std::string_view body,
                           const std::vector<HttpHeader>& extra) {
    return Check(CallRaw(method, path, query, body, extra), method, path);
  }

  // A missing bucket is FailedPrecondition rather than NotFound, a failed
  // If-Match Aborted.
  StatusOr<HttpReply> Check(StatusOr<HttpReply> reply, const std::string& method,
                            const std::string& path) const {
    if (!reply.ok() || (reply->status >= 200 && reply->status < 300)) return reply;
    if (reply->status == 412) {
      return absl::AbortedError(absl::StrCat(path, " changed while it was read"));
    }
    if (reply->status == 404 && XmlErrorCode(reply->body) == "NoSuchBucket") {
      return absl::FailedPreconditionError(
          absl::StrCat("S3 bucket '", config_.bucket, "' does not exist"));
    }
    return StatusFromReply(*reply, absl::StrCat("S3 ", method, " ", path));
  }

  HttpCall Signed(const std::string& method, const std::string& path, const std::string& query,
                  std::string_view body, const std::string& payload_hash,
                  const std::vector<HttpHeader>& extra) const {
    std::string amz_date = AmzDate(std::time(nullptr));
    SigV4Request request{method, path, query,
                         {{"host", host_},
                          {"x-amz-content-sha256", payload_hash},
                          {"x-amz-date", amz_date}},
                         payload_hash};
    if (!config_.credentials.session_token.empty()) {
      request.headers.push_back({"x-amz-security-token", config_.credentials.session_token});
    }
    HttpCall call{method, absl::StrCat(origin_, path, query.empty() ? "" : "?", query),
                  request.headers, body};
    call.headers.insert(call.headers.end(), extra.begin(), extra.end());
    call.headers.push_back(
        {"Authorization",
         SigV4Authorization(request, {amz_date, config_.region, "s3"}, config_.credentials)});
    return call;
  }

  Status PutMultipart(std::string_view key, std::string_view data);

  const S3Config config_;
  HttpTransport transport_;
  std::string origin_;       // scheme://host[:port] requests go to
  std::string host_;         // the Host header
  std::string bucket_path_;  // "/bucket" for path-style addressing, else ""
};

Status S3BlobStore::PutMultipart(std::string_view key, std::string_view data) {
  const std::string path = ObjectPath(key);
  OCULA_ASSIGN_OR_RETURN(HttpReply created, Call("POST", path, "uploads=", "", {}));
  pugi::xml_document doc;
  doc.load_buffer(created.body.data(), created.body.size());
  std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (upload_id.empty()) return absl::InternalError("S3 did not return an UploadId");
  const std::string id_param = "uploadId=" + AwsUriEncode(upload_id, true);

  std::string complete = "<CompleteMultipartUpload>";
  Status status;
  int part = 1;
  for (uint64_t offset = 0; offset < data.size() && status.ok(); offset += config_.part_size, ++part) {
    auto reply = Call("PUT", path, absl::StrCat("partNumber=", part, "&", id_param),
                      data.substr(offset, config_.part_size), {});
    status = reply.status();
    if (status.ok()) {
      absl::StrAppend(&complete, "<Part><PartNumber>", part, "</PartNumber><ETag>",
                      reply->Header("etag"), "</ETag></Part>");
    }
  }
  absl::StrAppend(&complete, "</CompleteMultipartUpload>");
  if (status.ok()) {
    auto reply = Call("POST", path, id_param, complete, {});
    status = reply.status();
    // S3 may answer 200 and put the error in the body.
    if (status.ok() && !XmlErrorCode(reply->body).empty()) {
      status = absl::UnavailableError(absl::StrCat("S3 could not complete the upload of ", path,
                                                   ": ", XmlErrorCode(reply->body)));
    }
  }
  if (!status.ok()) (void)Call("DELETE", path, id_param, "", {});  // abort: frees the parts
  return status;
}

StatusOr<std::vector<BlobInfo>> S3BlobStore::List(std::string_view prefix,
                                                  std::string_view start_after, size_t limit) {
  std::vector<BlobInfo> out;
  std::string token;
  const std::string full_prefix = config_.prefix + std::string(prefix);
  while (out.size() < limit) {
    std::string query = absl::StrCat(
        "list-type=2&max-keys=", std::min(limit - out.size(), kMaxKeysPerList),
        "&prefix=", AwsUriEncode(full_prefix, true));
    if (!token.empty()) {
      absl::StrAppend(&query, "&continuation-token=", AwsUriEncode(token, true));
    } else if (!start_after.empty()) {
      absl::StrAppend(&query, "&start-after=",
                      AwsUriEncode(config_.prefix + std::string(start_after), true));
    }
    OCULA_ASSIGN_OR_RETURN(HttpReply reply, Call("GET", BucketPath(), query, "", {}));
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
      return absl::InternalError("S3 list answer is not XML");
    }
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node item : result.children("Contents")) {
      std::string key = item.child_value("Key");
      if (!key.starts_with(config_.prefix)) continue;
      key.erase(0, config_.prefix.size());
      if (!IsValidBlobKey(key) || out.size() >= limit) continue;
      BlobInfo info{key, 0, ParseHttpTimeMs(item.child_value("LastModified"))};
      (void)absl::SimpleAtoi(item.child_value("Size"), &info.size);
      out.push_back(std::move(info));
    }
    token = result.child_value("NextContinuationToken");
    if (std::string_view(result.child_value("IsTruncated")) != "true" || token.empty()) break;
  }
  return out;
}

}  // namespace

StatusOr<S3Config> S3ConfigFromUri(const Uri& uri, const EnvLookup& env) {
  S3Config config;
  config.bucket = uri.authority;
  if (config.bucket.empty()) {
    return absl::InvalidArgumentError("s3:// URI without a bucket: s3://BUCKET[/PREFIX]?...");
  }
  std::string_view prefix = uri.path;
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  config.prefix = std::string(prefix);
  if (!config.prefix.empty() && !config.prefix.ends_with('/')) config.prefix += '/';

  for (const auto& [name, value] : uri.query) {
    if (name != "endpoint" && name != "region" && name != "addressing" && name != "part_size" &&
        name != "ca_file") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown s3:// parameter '", name,
          "' (known: endpoint, region, addressing, part_size, ca_file)"));
    }
  }
  auto param = [&](const std::string& name) {
    auto it = uri.query.find(name);
    return it == uri.query.end() ? std::string() : it->second;
  };
  config.region = param("region");
  if (config.region.empty()) config.region = EnvValue(env, "AWS_REGION");
  if (config.region.empty()) config.region = EnvValue(env, "AWS_DEFAULT_REGION");
  if (config.region.empty()) config.region = "us-east-1";
  config.endpoint = param("endpoint");
  bool custom_endpoint = !config.endpoint.empty();
  if (!custom_endpoint) config.endpoint = absl::StrCat("https://s3.", config.region, ".amazonaws.com");
  while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  if (!config.endpoint.starts_with("http://") && !config.endpoint.starts_with("https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("s3:// endpoint must start with http:// or https://, got '", config.endpoint, "'"));
  }
  std::string addressing = param("addressing");
  if (addressing.empty()) addressing = custom_endpoint ? "path" : "virtual";
  if (addressing != "path" && addressing != "virtual") {
    return absl::InvalidArgumentError("s3:// addressing must be 'path' or 'virtual'");
  }
  config.path_style = addressing == "path";
  if (!param("part_size").empty() &&
      (!absl::SimpleAtoi(param("part_size"), &config.part_size) ||
       config.part_size < kMinPartSize || config.part_size > kMaxPartSize)) {
    return absl::InvalidArgumentError(
        absl::StrCat("s3:// part_size must be a byte count from ", kMinPartSize, " to ", kMaxPartSize));
  }
  config.ca_file = param("ca_file");
  OCULA_ASSIGN_OR_RETURN(config.credentials, FindCredentials(env));
  return config;
}

StatusOr<std::unique_ptr<BlobStore>> OpenS3BlobStore(const S3Config& config) {
  return std::make_unique<S3BlobStore>(config);
}

}  // namespace ocula
