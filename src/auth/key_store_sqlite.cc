#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auth/key_store.h"
#include "db/sqlite_db.h"
#include "db/sqlite_migrations.h"

namespace ocula {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

constexpr char kMigrationsTable[] = "auth_migrations";

// Version 1: keys (salted hashes only), the signing secret, used URL nonces.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  scopes INTEGER NOT NULL,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL DEFAULT 0,
  revoked_ms INTEGER NOT NULL DEFAULT 0,
  rate_per_s REAL NOT NULL DEFAULT 0
);
CREATE TABLE auth_secrets (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
CREATE TABLE used_upload_nonces (
  nonce TEXT PRIMARY KEY,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX used_upload_nonces_expiry ON used_upload_nonces (expires_ms);
)sql";
constexpr std::string_view kSteps[] = {kV1};

#define OCULA_KEY_COLUMNS \
  "id, name, scopes, salt, hash, created_ms, expires_ms, revoked_ms, rate_per_s"

ApiKeyRecord ReadKey(const Statement& row) {
  ApiKeyRecord r;
  r.id = row.ColumnText(0);
  r.name = row.ColumnText(1);
  r.scopes = static_cast<ScopeSet>(row.ColumnInt(2));
  r.salt = row.ColumnBlob(3);
  r.hash = row.ColumnBlob(4);
  r.created_ms = row.ColumnInt(5);
  r.expires_ms = row.ColumnInt(6);
  r.revoked_ms = row.ColumnInt(7);
  r.rate_per_s = row.ColumnDouble(8);
  return r;
}

// One connection behind a mutex: key lookups are few (the authenticator
// caches them) and tiny.
class SqliteKeyStore : public KeyStore {
 public:
  explicit SqliteKeyStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Status PutKey(const ApiKeyRecord& r) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("INSERT OR REPLACE INTO api_keys (" OCULA_KEY_COLUMNS
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    stmt.BindText(1, r.id)
        .BindText(2, r.name)
        .BindInt(3, r.scopes)
        .BindBlob(4, r.salt.data(), r.salt.size())
        .BindBlob(5, r.hash.data(), r.hash.size())
        .BindInt(6, r.created_ms)
        .BindInt(7, r.expires_ms)
        .BindInt(8, r.revoked_ms)
        .BindDouble(9, r.rate_per_s);
    return stmt.Run();
  }

  StatusOr<ApiKeyRecord> GetKey(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT " OCULA_KEY_COLUMNS " FROM api_keys WHERE id = ?"));
    stmt.BindText(1, id);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return absl::NotFoundError(absl::StrCat("no API key '", id, "'"));
    return ReadKey(stmt);
  }

  StatusOr<std::vector<ApiKeyRecord>> ListKeys() override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT " OCULA_KEY_COLUMNS
                                                        " FROM api_keys ORDER BY created_ms, id"));
    std::vector<ApiKeyRecord> keys;
    while (true) {
      OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      keys.push_back(ReadKey(stmt));
    }
    return keys;
  }

  Status RevokeKey(const std::string& id, int64_t now_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("UPDATE api_keys SET revoked_ms = CASE WHEN revoked_ms = 0 THEN ?2 "
                     "ELSE revoked_ms END WHERE id = ?1"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, id).BindInt(2, now_ms).Run());
    if (db_->Changes() == 0) return absl::NotFoundError(absl::StrCat("no API key '", id, "'"));
    return absl::OkStatus();
  }

  StatusOr<std::string> SigningSecret(const std::string& candidate) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement insert,
        db_->Prepare("INSERT OR IGNORE INTO auth_secrets (name, value) VALUES ('upload-url', ?)"));
    OCULA_RETURN_IF_ERROR(insert.BindBlob(1, candidate.data(), candidate.size()).Run());
    OCULA_ASSIGN_OR_RETURN(
        Statement select, db_->Prepare("SELECT value FROM auth_secrets WHERE name = 'upload-url'"));
    OCULA_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) return absl::InternalError("the upload URL secret vanished");
    return select.ColumnBlob(0);
  }

  StatusOr<bool> ClaimNonce(const std::string& nonce, int64_t expires_ms, int64_t now_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
    OCULA_ASSIGN_OR_RETURN(Statement prune,
                           db_->Prepare("DELETE FROM used_upload_nonces WHERE expires_ms < ?"));
    OCULA_RETURN_IF_ERROR(prune.BindInt(1, now_ms).Run());
    OCULA_ASSIGN_OR_RETURN(
        Statement claim,
        db_->Prepare("INSERT OR IGNORE INTO used_upload_nonces (nonce, expires_ms) VALUES (?, ?)"));
    OCULA_RETURN_IF_ERROR(claim.BindText(1, nonce).BindInt(2, expires_ms).Run());
    const bool first = db_->Changes() > 0;
    OCULA_RETURN_IF_ERROR(txn.Commit());
    return first;
  }

 private:
  absl::Mutex mu_;
  const std::unique_ptr<Connection> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace

StatusOr<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& db_path) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(db_path));
  OCULA_RETURN_IF_ERROR(sqlite::ApplyMigrations(*db, kMigrationsTable, kSteps, 0).status());
  return std::make_unique<SqliteKeyStore>(std::move(db));
}

}  // namespace ocula
