// AzureBlobStore: blobs as block blobs in an Azure Blob Storage container (or
// Azurite, the emulator), over the Blob service REST API.
//
// URI: azblob://ACCOUNT/CONTAINER[/PREFIX]?endpoint=URL&block_size=N&ca_file=F
//   ACCOUNT     may be left out (azblob:///CONTAINER) to use $AZURE_STORAGE_ACCOUNT
//   endpoint    default https://ACCOUNT.blob.core.windows.net; for Azurite
//               http://127.0.0.1:10000/ACCOUNT
//   block_size  bytes per block of a blob too large for one Put Blob
//               (default 8 MiB, 1 to 4000 MiB)
// Credentials, never in the URI or logs: AZURE_STORAGE_KEY (Shared Key: each
// request signed with HMAC-SHA256 of the account key) or
// AZURE_STORAGE_SAS_TOKEN (an account SAS for the blob service, resource
// types container and object: CheckHealth reads the container's properties,
// which a container-scoped SAS cannot; permissions rwdl for api processes, rl
// for workers).
//
// Semantics against the BlobStore contract: Put Blob (and Put Block List for
// large blobs) is atomic and durable on success; uncommitted blocks are
// discarded by the service. Open streams by ranges pinned to the blob's ETag
// (see S3BlobStore). List pages with the service's markers and skips keys up
// to start_after, so a listing that starts deep into a container reads the
// names before it once. Transient failures are retried 3 times, then
// Unavailable. List skips blobs whose names are not valid blob keys.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blob/blob_store.h"
#include "blob/http_transport.h"
#include "core/env.h"
#include "core/uri.h"

namespace ocula {

struct AzureConfig {
  std::string account;
  std::string container;
  std::string prefix;    // "" or ending in '/'
  std::string endpoint;  // up to the account: https://acct.blob.core.windows.net
  uint64_t block_size = 8 << 20;
  std::string ca_file;
  std::string shared_key;  // base64 account key; or
  std::string sas_token;   // "sv=...&sig=..." without '?'
};

StatusOr<AzureConfig> AzureConfigFromUri(const Uri& uri, const EnvLookup& env = ProcessEnv());

StatusOr<std::unique_ptr<BlobStore>> OpenAzureBlobStore(const AzureConfig& config);

// Creates the container (OK when it exists already): for set-up scripts and
// tests; Ocula itself never creates or deletes containers.
Status CreateAzureContainer(const AzureConfig& config);

// The Shared Key string to sign of a request (exposed for tests): `path` is
// the URI path as sent, `headers` every header sent, `query` the decoded
// parameters.
std::string AzureStringToSign(const std::string& method, const std::string& account,
                              const std::string& path,
                              const std::vector<HttpHeader>& headers,
                              const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace ocula
