#include "blob/blob_store_azure.h"

#include <openssl/hmac.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blob/http_transport.h"
#include "blob/object_store_http.h"
#include "blob/sigv4.h"  // AwsUriEncode: the same unreserved set

namespace ocula {
namespace {

constexpr char kApiVersion[] = "2021-08-06";
constexpr uint64_t kReadChunk = 4ull << 20;
constexpr uint64_t kMaxBlockSize = 4000ull << 20;
constexpr size_t kMaxListResults = 5000;

using Params = std::vector<std::pair<std::string, std::string>>;  // decoded

Status InvalidKey(std::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat("invalid blob key '", AbslView(key), "'"));
}

std::string HttpDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string QueryString(const Params& params) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : params) {
    parts.push_back(absl::StrCat(AwsUriEncode(name, true), "=", AwsUriEncode(value, true)));
  }
  return absl::StrJoin(parts, "&");
}

std::string RangeHeader(uint64_t offset, uint64_t length) {
  return absl::StrCat("bytes=", offset, "-", offset + length - 1);
}

class AzureBlobStore : public BlobStore {
 public:
  explicit AzureBlobStore(AzureConfig config)
      : config_(std::move(config)), transport_(HttpTransportOptions{.ca_file = config_.ca_file}) {
    size_t path_start = config_.endpoint.find('/', config_.endpoint.find("://") + 3);
    origin_ = config_.endpoint.substr(0, path_start);
    base_path_ = path_start == std::string::npos ? "" : config_.endpoint.substr(path_start);
  }

  Status Put(std::string_view key, std::string_view data) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    if (data.size() > config_.block_size) return PutBlocks(key, data);
    return Call("PUT", BlobPath(key), {}, data,
                {{"x-ms-blob-type", "BlockBlob"}, {"Content-Type", "application/octet-stream"}})
        .status();
  }

  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    const std::string path = BlobPath(key);
    auto head = [&]() -> StatusOr<BlobHead> {
      OCULA_ASSIGN_OR_RETURN(HttpReply reply, Call("HEAD", path, {}, "", {}));
      BlobHead blob{0, reply.Header("etag")};
      (void)absl::SimpleAtoi(reply.Header("content-length"), &blob.size);
      return blob;
    };
    auto fetch_for = [this, path](const std::string& etag) -> RangeFetch {
      return [this, path, etag](uint64_t offset, uint64_t length) -> StatusOr<std::string> {
        OCULA_ASSIGN_OR_RETURN(
            HttpReply reply,
            Call("GET", path, {}, "", {{"If-Match", etag}, {"x-ms-range", RangeHeader(offset, length)}}));
        return std::move(reply.body);
      };
    };
    return OpenPinnedReader(head, fetch_for, kReadChunk);
  }

  StatusOr<BlobInfo> Stat(std::string_view key) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    OCULA_ASSIGN_OR_RETURN(HttpReply head, Call("HEAD", BlobPath(key), {}, "", {}));
    BlobInfo info{std::string(key), 0, ParseHttpTimeMs(head.Header("last-modified"))};
    (void)absl::SimpleAtoi(head.Header("content-length"), &info.size);
    return info;
  }

  Status Delete(std::string_view key) override {
    if (!IsValidBlobKey(key)) return InvalidKey(key);
    return Call("DELETE", BlobPath(key), {}, "", {}).status();
  }

  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override;

  Status CreateContainer() {
    auto reply = Call("PUT", ContainerPath(), {{"restype", "container"}}, "", {});
    if (!reply.ok() && absl::StrContains(reply.status().message(), "ContainerAlreadyExists")) {
      return absl::OkStatus();
    }
    return reply.status();
  }

  Status CheckHealth() override {
    auto reply = Call("HEAD", ContainerPath(), {{"restype", "container"}}, "", {});
    if (reply.status().code() == StatusCode::kNotFound) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Azure container '", config_.container, "' does not exist at ", config_.endpoint));
    }
    return reply.status();
  }

 private:
  std::string ContainerPath() const { return absl::StrCat(base_path_, "/", config_.container); }
  std::string BlobPath(std::string_view key) const {
    return absl::StrCat(ContainerPath(), "/", AwsUriEncode(config_.prefix + std::string(key), false));
  }

  StatusOr<HttpReply> Call(const std::string& method, const std::string& path, const Params& params,
                           std::string_view body, const std::vector<HttpHeader>& extra) {
    auto reply = SendWithRetry(transport_, [&] { return Signed(method, path, params, body, extra); });
    if (!reply.ok() || (reply->status >= 200 && reply->status < 300)) return reply;
    if (reply->status == 412) return absl::AbortedError(absl::StrCat(path, " changed while it was read"));
    if (reply->status == 404 && XmlErrorCode(reply->body) == "ContainerNotFound") {
      return absl::FailedPreconditionError(
          absl::StrCat("Azure container '", config_.container, "' does not exist"));
    }
    return StatusFromReply(*reply, absl::StrCat("Azure ", method, " ", path));
  }

  HttpCall Signed(const std::string& method, const std::string& path, const Params& params,
                  std::string_view body, const std::vector<HttpHeader>& extra) const {
    std::vector<HttpHeader> headers = {{"x-ms-date", HttpDateNow()}, {"x-ms-version", kApiVersion}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    // Signed, so sent explicitly rather than left to curl.
    if (method == "PUT" || method == "POST") headers.push_back({"Content-Length", std::to_string(body.size())});
    std::string query = QueryString(params);
    if (!config_.sas_token.empty()) {
      absl::StrAppend(&query, query.empty() ? "" : "&", config_.sas_token);
    } else {
      std::string to_sign = AzureStringToSign(method, config_.account, path, headers, params);
      unsigned char mac[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &len);
      headers.push_back({"Authorization",
                         absl::StrCat("SharedKey ", config_.account, ":",
                                      absl::Base64Escape(absl::string_view(
                                          reinterpret_cast<const char*>(mac), len)))});
    }
    return HttpCall{method, absl::StrCat(origin_, path, query.empty() ? "" : "?", query),
                    std::move(headers), body};
  }

  Status PutBlocks(std::string_view key, std::string_view data);

  const AzureConfig config_;
  HttpTransport transport_;
  std::string origin_;     // scheme://host[:port]
  std::string base_path_;  // "/ACCOUNT" for Azurite, "" for Azure
  std::string key_ = [this] {
    std::string key;
    absl::Base64Unescape(config_.shared_key, &key);
    return key;
  }();
};

// Put Block for each block_size piece, then Put Block List commits them all
// at once; blocks never committed are discarded by the service.
Status AzureBlobStore::PutBlocks(std::string_view key, std::string_view data) {
  const std::string path = BlobPath(key);
  std::string list = R"(<?xml version="1.0" encoding="utf-8"?><BlockList>)";
  int index = 0;
  for (uint64_t offset = 0; offset < data.size(); offset += config_.block_size, ++index) {
    // Block ids must all have the same length.
    char name[32];
    std::snprintf(name, sizeof name, "block-%08d", index);
    std::string id = absl::Base64Escape(name);
    OCULA_RETURN_IF_ERROR(Call("PUT", path, {{"comp", "block"}, {"blockid", id}},
                               data.substr(offset, config_.block_size),
                               {{"Content-Type", "application/octet-stream"}})
                              .status());
    absl::StrAppend(&list, "<Latest>", id, "</Latest>");
  }
  absl::StrAppend(&list, "</BlockList>");
  return Call("PUT", path, {{"comp", "blocklist"}}, list,
              {{"Content-Type", "application/xml"},
               {"x-ms-blob-content-type", "application/octet-stream"}})
      .status();
}

StatusOr<std::vector<BlobInfo>> AzureBlobStore::List(std::string_view prefix,
                                                     std::string_view start_after, size_t limit) {
  std::vector<BlobInfo> out;
  std::string marker;
  const std::string full_prefix = config_.prefix + std::string(prefix);
  while (out.size() < limit) {
    Params params = {{"restype", "container"}, {"comp", "list"}, {"prefix", full_prefix},
                     {"maxresults", std::to_string(kMaxListResults)}};
    if (!marker.empty()) params.push_back({"marker", marker});
    OCULA_ASSIGN_OR_RETURN(HttpReply reply, Call("GET", ContainerPath(), params, "", {}));
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) {
      return absl::InternalError("Azure list answer is not XML");
    }
    pugi::xml_node result = doc.child("EnumerationResults");
    for (pugi::xml_node blob : result.child("Blobs").children("Blob")) {
      std::string key = blob.child_value("Name");
      if (!key.starts_with(config_.prefix)) continue;
      key.erase(0, config_.prefix.size());
      if (key <= start_after || !IsValidBlobKey(key) || out.size() >= limit) continue;
      pugi::xml_node props = blob.child("Properties");
      BlobInfo info{key, 0, ParseHttpTimeMs(props.child_value("Last-Modified"))};
      (void)absl::SimpleAtoi(props.child_value("Content-Length"), &info.size);
      out.push_back(std::move(info));
    }
    marker = result.child_value("NextMarker");
    if (marker.empty()) break;
  }
  return out;
}

}  // namespace

// docs: "Authorize with Shared Key", Blob service, version 2015-02-21 and later.
std::string AzureStringToSign(const std::string& method, const std::string& account,
                              const std::string& path, const std::vector<HttpHeader>& headers,
                              const Params& query) {
  auto header = [&](const char* name) {
    for (const HttpHeader& h : headers) {
      if (absl::EqualsIgnoreCase(h.name, name)) return h.value;
    }
    return std::string();
  };
  std::string length = header("Content-Length");
  if (length == "0") length.clear();
  std::string out = absl::StrCat(method, "\n", header("Content-Encoding"), "\n",
                                 header("Content-Language"), "\n", length, "\n",
                                 header("Content-MD5"), "\n", header("Content-Type"), "\n",
                                 header("Date"), "\n", header("If-Modified-Since"), "\n",
                                 header("If-Match"), "\n", header("If-None-Match"), "\n",
                                 header("If-Unmodified-Since"), "\n", header("Range"), "\n");
  std::vector<std::pair<std::string, std::string>> ms;
  for (const HttpHeader& h : headers) {
    std::string name = absl::AsciiStrToLower(h.name);
    if (name.starts_with("x-ms-")) ms.emplace_back(name, std::string(absl::StripAsciiWhitespace(h.value)));
  }
  std::sort(ms.begin(), ms.end());
  for (const auto& [name, value] : ms) absl::StrAppend(&out, name, ":", value, "\n");
  absl::StrAppend(&out, "/", account, path);
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [name, value] : query) params.emplace_back(absl::AsciiStrToLower(name), value);
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    // Repeated names: one line, values joined by commas.
    if (i > 0 && params[i].first == params[i - 1].first) {
      absl::StrAppend(&out, ",", params[i].second);
    } else {
      absl::StrAppend(&out, "\n", params[i].first, ":", params[i].second);
    }
  }
  return out;
}

StatusOr<AzureConfig> AzureConfigFromUri(const Uri& uri, const EnvLookup& env) {
  AzureConfig config;
  config.account = uri.authority.empty() ? EnvValue(env, "AZURE_STORAGE_ACCOUNT") : uri.authority;
  std::string_view path = uri.path;
  while (path.starts_with('/')) path.remove_prefix(1);
  size_t slash = path.find('/');
  config.container = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) config.prefix = std::string(path.substr(slash + 1));
  if (!config.prefix.empty() && !config.prefix.ends_with('/')) config.prefix += '/';
  if (config.account.empty() || config.container.empty()) {
    return absl::InvalidArgumentError(
        "azblob:// URI needs an account and a container: azblob://ACCOUNT/CONTAINER[/PREFIX] "
        "(or azblob:///CONTAINER with AZURE_STORAGE_ACCOUNT set)");
  }
  for (const auto& [name, value] : uri.query) {
    if (name != "endpoint" && name != "block_size" && name != "ca_file") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown azblob:// parameter '", name, "' (known: endpoint, block_size, ca_file)"));
    }
  }
  auto param = [&](const std::string& name) {
    auto it = uri.query.find(name);
    return it == uri.query.end() ? std::string() : it->second;
  };
  config.endpoint = param("endpoint");
  if (config.endpoint.empty()) {
    config.endpoint = absl::StrCat("https://", config.account, ".blob.core.windows.net");
  }
  while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  if (!config.endpoint.starts_with("http://") && !config.endpoint.starts_with("https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "azblob:// endpoint must start with http:// or https://, got '", config.endpoint, "'"));
  }
  if (!param("block_size").empty() &&
      (!absl::SimpleAtoi(param("block_size"), &config.block_size) || config.block_size == 0 ||
       config.block_size > kMaxBlockSize)) {
    return absl::InvalidArgumentError(
        absl::StrCat("azblob:// block_size must be a byte count from 1 to ", kMaxBlockSize));
  }
  config.ca_file = param("ca_file");
  config.shared_key = EnvValue(env, "AZURE_STORAGE_KEY");
  config.sas_token = EnvValue(env, "AZURE_STORAGE_SAS_TOKEN");
  while (config.sas_token.starts_with('?')) config.sas_token.erase(0, 1);
  std::string decoded;
  if (!config.shared_key.empty() && !absl::Base64Unescape(config.shared_key, &decoded)) {
    return absl::InvalidArgumentError("AZURE_STORAGE_KEY is not base64 (copy the account key as shown)");
  }
  if (config.shared_key.empty() && config.sas_token.empty()) {
    return absl::InvalidArgumentError(
        "no Azure credentials: set AZURE_STORAGE_KEY (the account key) or AZURE_STORAGE_SAS_TOKEN");
  }
  return config;
}

StatusOr<std::unique_ptr<BlobStore>> OpenAzureBlobStore(const AzureConfig& config) {
  return std::make_unique<AzureBlobStore>(config);
}

Status CreateAzureContainer(const AzureConfig& config) {
  return AzureBlobStore(config).CreateContainer();
}

}  // namespace ocula
