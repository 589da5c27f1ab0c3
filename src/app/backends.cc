#include "app/backends.h"

#include "auth/key_store_postgres.h"
#include "blob/blob_store_azure.h"
#include "blob/blob_store_fs.h"
#include "blob/blob_store_s3.h"
#include "db/pg_config.h"
#include "events/event_bus_nats.h"
#include "events/event_bus_sqlite.h"
#include "metadata/custom_vision_store_postgres.h"
#include "metadata/metadata_store_postgres.h"
#include "metadata/metadata_store_sqlite.h"
#include "metadata/read_operation_store_postgres.h"

namespace ocula {
namespace {

// file:///abs/dir and sqlite:///abs/file.db are absolute; file://rel/dir is
// relative to the working directory (the authority is the first segment).
std::string LocalPath(const Uri& uri) { return uri.authority + uri.path; }

}  // namespace

StatusOr<std::unique_ptr<BlobStore>> MakeBlobStore(const std::string& uri,
                                                   const BackendContext& ctx) {
  static const auto* registry = [] {
    auto* r = new BackendRegistry<BlobStore, BackendContext>("blob store");
    r->Register("file",
                [](const Uri& u, const BackendContext&) { return MakeFsBlobStore(LocalPath(u)); });
    r->Register("s3",
                [](const Uri& u, const BackendContext&) -> StatusOr<std::unique_ptr<BlobStore>> {
                  OCULA_ASSIGN_OR_RETURN(S3Config config, S3ConfigFromUri(u));
                  return OpenS3BlobStore(config);
                });
    r->Register("azblob",
                [](const Uri& u, const BackendContext&) -> StatusOr<std::unique_ptr<BlobStore>> {
                  OCULA_ASSIGN_OR_RETURN(AzureConfig config, AzureConfigFromUri(u));
                  return OpenAzureBlobStore(config);
                });
    return r;
  }();
  return registry->Create(uri, ctx);
}

StatusOr<std::unique_ptr<MetadataStore>> MakeMetadataStore(const std::string& uri,
                                                           const BackendContext& ctx) {
  static const auto* registry = [] {
    auto* r = new BackendRegistry<MetadataStore, BackendContext>("metadata store");
    r->Register("sqlite", [](const Uri& u, const BackendContext& c) {
      return OpenSqliteMetadataStore(LocalPath(u), *c.clock);
    });
    for (const char* scheme : {"postgresql", "postgres"}) {
      r->Register(
          scheme,
          [](const Uri& u, const BackendContext& c) -> StatusOr<std::unique_ptr<MetadataStore>> {
            OCULA_ASSIGN_OR_RETURN(PostgresConfig config, PostgresConfigFromUri(u.text));
            return OpenPostgresMetadataStore(config, *c.clock);
          });
    }
    return r;
  }();
  return registry->Create(uri, ctx);
}

StatusOr<std::unique_ptr<KeyStore>> MakeKeyStore(const std::string& uri,
                                                 const BackendContext& ctx) {
  static const auto* registry = [] {
    auto* r = new BackendRegistry<KeyStore, BackendContext>("key store");
    r->Register("sqlite", [](const Uri& u, const BackendContext&) {
      return OpenSqliteKeyStore(LocalPath(u));
    });
    for (const char* scheme : {"postgresql", "postgres"}) {
      r->Register(scheme,
                  [](const Uri& u, const BackendContext&) -> StatusOr<std::unique_ptr<KeyStore>> {
                    OCULA_ASSIGN_OR_RETURN(PostgresConfig config, PostgresConfigFromUri(u.text));
                    return OpenPostgresKeyStore(config);
                  });
    }
    return r;
  }();
  return registry->Create(uri, ctx);
}

StatusOr<std::unique_ptr<ReadOperationStore>> MakeReadOperationStore(const std::string& uri,
                                                                     const BackendContext& ctx) {
  static const auto* registry = [] {
    auto* r = new BackendRegistry<ReadOperationStore, BackendContext>("read operation store");
    r->Register("sqlite", [](const Uri& u, const BackendContext&) {
      return OpenSqliteReadOperationStore(LocalPath(u));
    });
    for (const char* scheme : {"postgresql", "postgres"}) {
      r->Register(
          scheme,
          [](const Uri& u, const BackendContext&) -> StatusOr<std::unique_ptr<ReadOperationStore>> {
            OCULA_ASSIGN_OR_RETURN(PostgresConfig config, PostgresConfigFromUri(u.text));
            return OpenPostgresReadOperationStore(config);
          });
    }
    return r;
  }();
  return registry->Create(uri, ctx);
}

StatusOr<std::unique_ptr<CustomVisionStore>> MakeCustomVisionStore(const std::string& uri,
                                                                   const BackendContext& ctx) {
  static const auto* registry = [] {
    auto* r = new BackendRegistry<CustomVisionStore, BackendContext>("custom vision store");
    r->Register("sqlite", [](const Uri& u, const BackendContext&) {
      return OpenSqliteCustomVisionStore(LocalPath(u));
    });
    for (const char* scheme : {"postgresql", "postgres"}) {
      r->Register(
          scheme,
          [](const Uri& u, const BackendContext&) -> StatusOr<std::unique_ptr<CustomVisionStore>> {
            OCULA_ASSIGN_OR_RETURN(PostgresConfig config, PostgresConfigFromUri(u.text));
            return OpenPostgresCustomVisionStore(config);
          });
    }
    return r;
  }();
  return registry->Create(uri, ctx);
}

StatusOr<std::unique_ptr<EventBus>> MakeEventBus(const std::string& uri,
                                                 const BackendContext& ctx) {
  static const auto* registry = [] {
    auto* r = new BackendRegistry<EventBus, BackendContext>("event bus");
    r->Register("sqlite", [](const Uri& u, const BackendContext& c) {
      return OpenSqliteEventBus(LocalPath(u), c.bus_options, *c.clock);
    });
    r->Register("nats",
                [](const Uri& u, const BackendContext& c) -> StatusOr<std::unique_ptr<EventBus>> {
                  OCULA_ASSIGN_OR_RETURN(NatsBusConfig config, NatsBusConfigFromUri(u));
                  return OpenNatsEventBus(config, c.bus_options);
                });
    return r;
  }();
  return registry->Create(uri, ctx);
}

}  // namespace ocula
