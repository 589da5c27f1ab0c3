// A registry of backend factories keyed by URI scheme. Each backend interface
// has one (blob stores, metadata stores, event buses); app/ registers the
// implementations and builds the configured one from its URI.
//
//   BackendRegistry<BlobStore, BlobContext> blobs("blob store");
//   blobs.Register("file", &MakeFsBlobStore);
//   auto store = blobs.Create("file:///var/lib/ocula/blobs", ctx);
//
// An unknown scheme is an InvalidArgument error that names the known ones.
// Not thread-safe for Register; Create is safe once registration is done.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status.h"
#include "core/uri.h"

namespace ocula {

template <typename Interface, typename Context>
class BackendRegistry {
 public:
  using Factory =
      std::function<StatusOr<std::unique_ptr<Interface>>(const Uri&, const Context&)>;

  explicit BackendRegistry(std::string kind) : kind_(std::move(kind)) {}

  void Register(const std::string& scheme, Factory factory) {
    factories_[scheme] = std::move(factory);
  }

  StatusOr<std::unique_ptr<Interface>> Create(std::string_view uri_text,
                                              const Context& context) const {
    auto uri = ParseUri(uri_text);
    if (!uri.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad ", kind_, " URI: ", uri.status().message()));
    }
    auto it = factories_.find(uri->scheme);
    if (it == factories_.end()) {
      std::vector<std::string> known;
      for (const auto& [scheme, _] : factories_) known.push_back(scheme + "://");
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown ", kind_, " scheme '", uri->scheme, "://' in '", uri->Redacted(),
          "'; this build supports: ", absl::StrJoin(known, ", ")));
    }
    return it->second(*uri, context);
  }

 private:
  std::string kind_;
  std::map<std::string, Factory> factories_;
};

}  // namespace ocula
