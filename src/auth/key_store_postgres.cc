#include "auth/key_store_postgres.h"

#include "absl/strings/str_cat.h"
#include "db/pg_conn.h"
#include "db/pg_migrations.h"

namespace ocula {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;

constexpr char kMigrationsTable[] = "auth_migrations";

// Version 1: keys (salted hashes only), the signing secret, used URL nonces.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE api_keys (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT NOT NULL,
  scopes BIGINT NOT NULL,
  salt BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL DEFAULT 0,
  revoked_ms BIGINT NOT NULL DEFAULT 0,
  rate_per_s DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE TABLE auth_secrets (
  name TEXT PRIMARY KEY,
  value BYTEA NOT NULL
);
CREATE TABLE used_upload_nonces (
  nonce TEXT PRIMARY KEY,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX used_upload_nonces_expiry ON used_upload_nonces (expires_ms);
)sql";
constexpr std::string_view kSteps[] = {kV1};

#define OCULA_KEY_COLUMNS \
  "id, name, scopes, salt, hash, created_ms, expires_ms, revoked_ms, rate_per_s"

ApiKeyRecord ReadKey(const Result& rows, int row) {
  ApiKeyRecord r;
  r.id = rows.Text(row, 0);
  r.name = rows.Text(row, 1);
  r.scopes = static_cast<ScopeSet>(rows.Int(row, 2));
  r.salt = rows.Bytes(row, 3);
  r.hash = rows.Bytes(row, 4);
  r.created_ms = rows.Int(row, 5);
  r.expires_ms = rows.Int(row, 6);
  r.revoked_ms = rows.Int(row, 7);
  r.rate_per_s = rows.Double(row, 8);
  return r;
}

Status NoSuchKey(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no API key '", id, "'"));
}

class PostgresKeyStore : public KeyStore {
 public:
  explicit PostgresKeyStore(const PostgresConfig& config) : pool_(config) {}

  pg::Pool& pool() { return pool_; }

  Status PutKey(const ApiKeyRecord& r) override {
    return pool_.Run([&](Connection& db) {
      return db
          .Exec("INSERT INTO api_keys (" OCULA_KEY_COLUMNS
                ") VALUES ($1, $2, $3, $4, $5, $6, "
                "$7, $8, $9) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "scopes = excluded.scopes, salt = excluded.salt, hash = excluded.hash, "
                "created_ms = excluded.created_ms, expires_ms = excluded.expires_ms, "
                "revoked_ms = excluded.revoked_ms, rate_per_s = excluded.rate_per_s",
                Params()
                    .Text(r.id)
                    .Text(r.name)
                    .Int(static_cast<int64_t>(r.scopes))
                    .Bytes(r.salt)
                    .Bytes(r.hash)
                    .Int(r.created_ms)
                    .Int(r.expires_ms)
                    .Int(r.revoked_ms)
                    .Double(r.rate_per_s))
          .status();
    });
  }

  StatusOr<ApiKeyRecord> GetKey(const std::string& id) override {
    std::optional<ApiKeyRecord> key;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(
          Result rows,
          db.Exec("SELECT " OCULA_KEY_COLUMNS " FROM api_keys WHERE id = $1", Params().Text(id)));
      key.reset();
      if (rows.rows() > 0) key = ReadKey(rows, 0);
      return absl::OkStatus();
    }));
    if (!key) return NoSuchKey(id);
    return std::move(*key);
  }

  StatusOr<std::vector<ApiKeyRecord>> ListKeys() override {
    std::vector<ApiKeyRecord> keys;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(Result rows, db.Exec("SELECT " OCULA_KEY_COLUMNS
                                                  " FROM api_keys ORDER BY created_ms, id"));
      keys.clear();
      for (int row = 0; row < rows.rows(); ++row) keys.push_back(ReadKey(rows, row));
      return absl::OkStatus();
    }));
    return keys;
  }

  Status RevokeKey(const std::string& id, int64_t now_ms) override {
    int64_t updated = 0;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(
          Result rows, db.Exec("UPDATE api_keys SET revoked_ms = CASE WHEN revoked_ms = 0 THEN $2 "
                               "ELSE revoked_ms END WHERE id = $1",
                               Params().Text(id).Int(now_ms)));
      updated = rows.affected();
      return absl::OkStatus();
    }));
    return updated > 0 ? absl::OkStatus() : NoSuchKey(id);
  }

  StatusOr<std::string> SigningSecret(const std::string& candidate) override {
    std::string secret;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      // Inserts the candidate unless a secret exists, and returns the stored
      // one either way (a CTE's insert is not visible to the SELECT).
      OCULA_ASSIGN_OR_RETURN(
          Result rows,
          db.Exec("WITH put AS (INSERT INTO auth_secrets (name, value) VALUES ('upload-url', $1) "
                  "ON CONFLICT (name) DO NOTHING RETURNING value) "
                  "SELECT value FROM put UNION ALL "
                  "SELECT value FROM auth_secrets WHERE name = 'upload-url'",
                  Params().Bytes(candidate)));
      // Another process inserted it after this statement's snapshot: the
      // next attempt sees it.
      if (rows.rows() == 0) return absl::UnavailableError("the upload URL secret is being created");
      secret = rows.Bytes(0, 0);
      return absl::OkStatus();
    }));
    return secret;
  }

  StatusOr<bool> ClaimNonce(const std::string& nonce, int64_t expires_ms, int64_t now_ms) override {
    bool first = false;
    OCULA_RETURN_IF_ERROR(pool_.Transact([&](Connection& db) -> Status {
      OCULA_RETURN_IF_ERROR(
          db.Exec("DELETE FROM used_upload_nonces WHERE expires_ms < $1", Params().Int(now_ms))
              .status());
      OCULA_ASSIGN_OR_RETURN(
          Result claimed,
          db.Exec("INSERT INTO used_upload_nonces (nonce, expires_ms) VALUES ($1, $2) "
                  "ON CONFLICT (nonce) DO NOTHING",
                  Params().Text(nonce).Int(expires_ms)));
      first = claimed.affected() > 0;
      return absl::OkStatus();
    }));
    return first;
  }

 private:
  pg::Pool pool_;
};

}  // namespace

StatusOr<std::unique_ptr<KeyStore>> OpenPostgresKeyStore(const PostgresConfig& config) {
  auto store = std::make_unique<PostgresKeyStore>(config);
  OCULA_RETURN_IF_ERROR(pg::ApplyMigrations(store->pool(), kMigrationsTable, kSteps, 0).status());
  return store;
}

}  // namespace ocula
