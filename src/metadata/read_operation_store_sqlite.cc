// ReadOperationStore in the metadata SQLite file: one table, one connection
// behind a mutex (an operation costs a handful of small statements).
#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "db/sqlite_db.h"
#include "db/sqlite_migrations.h"
#include "metadata/read_operation_store.h"

namespace ocula {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr char kMigrationsTable[] = "read_operation_migrations";

// Version 1: the operations, with the lease of the process running each.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE read_operations (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  language TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  owner TEXT NOT NULL,
  lease_until_ms INTEGER NOT NULL,
  read_result_json TEXT NOT NULL DEFAULT '',
  model_version TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX read_operations_created ON read_operations (created_ms);
CREATE INDEX read_operations_lease ON read_operations (lease_until_ms)
  WHERE status IN ('notStarted', 'running');
)sql";
constexpr std::string_view kSteps[] = {kV1};

#define OCULA_READ_OP_COLUMNS                                                       \
  "id, status, language, blob_key, created_ms, updated_ms, owner, lease_until_ms, " \
  "read_result_json, model_version, error_code, error_message"
#define OCULA_UNFINISHED "status IN ('notStarted', 'running')"

ReadOperationRecord ReadRow(const Statement& row) {
  ReadOperationRecord r;
  r.id = row.ColumnText(0);
  r.status = row.ColumnText(1);
  r.language = row.ColumnText(2);
  r.blob_key = row.ColumnText(3);
  r.created_ms = row.ColumnInt(4);
  r.updated_ms = row.ColumnInt(5);
  r.owner = row.ColumnText(6);
  r.lease_until_ms = row.ColumnInt(7);
  r.read_result_json = row.ColumnText(8);
  r.model_version = row.ColumnText(9);
  r.error_code = row.ColumnText(10);
  r.error_message = row.ColumnText(11);
  return r;
}

Status NoSuchOperation(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no read operation '", id, "'"));
}

class SqliteReadOperationStore : public ReadOperationStore {
 public:
  explicit SqliteReadOperationStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Status Insert(const ReadOperationRecord& r) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("INSERT INTO read_operations (" OCULA_READ_OP_COLUMNS
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    stmt.BindText(1, r.id)
        .BindText(2, r.status)
        .BindText(3, r.language)
        .BindText(4, r.blob_key)
        .BindInt(5, r.created_ms)
        .BindInt(6, r.updated_ms)
        .BindText(7, r.owner)
        .BindInt(8, r.lease_until_ms)
        .BindText(9, r.read_result_json)
        .BindText(10, r.model_version)
        .BindText(11, r.error_code)
        .BindText(12, r.error_message);
    return stmt.Run();
  }

  StatusOr<ReadOperationRecord> Get(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    return GetLocked(id);
  }

  StatusOr<bool> Claim(const std::string& id, const std::string& owner, int64_t now_ms,
                       int64_t lease_until_ms, bool start) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt, db_->Prepare("UPDATE read_operations SET owner = ?2, lease_until_ms = ?4, "
                                     "status = CASE WHEN ?5 THEN 'running' ELSE status END, "
                                     "updated_ms = CASE WHEN ?5 THEN ?3 ELSE updated_ms END "
                                     "WHERE id = ?1 AND " OCULA_UNFINISHED
                                     " AND (owner = ?2 OR lease_until_ms <= ?3)"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, id)
                              .BindText(2, owner)
                              .BindInt(3, now_ms)
                              .BindInt(4, lease_until_ms)
                              .BindInt(5, start ? 1 : 0)
                              .Run());
    return db_->Changes() > 0;
  }

  Status Finish(const ReadOperationRecord& r) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt, db_->Prepare("UPDATE read_operations SET status = ?2, updated_ms = ?3, "
                                     "read_result_json = ?4, model_version = ?5, error_code = ?6, "
                                     "error_message = ?7 WHERE id = ?1 AND " OCULA_UNFINISHED));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, r.id)
                              .BindText(2, r.status)
                              .BindInt(3, r.updated_ms)
                              .BindText(4, r.read_result_json)
                              .BindText(5, r.model_version)
                              .BindText(6, r.error_code)
                              .BindText(7, r.error_message)
                              .Run());
    if (db_->Changes() > 0) return absl::OkStatus();
    return GetLocked(r.id).status();  // finished before: OK; gone: NotFound
  }

  StatusOr<std::vector<ReadOperationRecord>> Abandoned(int64_t now_ms, size_t limit) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("SELECT " OCULA_READ_OP_COLUMNS " FROM read_operations WHERE " OCULA_UNFINISHED
                     " AND lease_until_ms <= ? ORDER BY created_ms, id LIMIT ?"));
    stmt.BindInt(1, now_ms).BindInt(2, static_cast<int64_t>(limit));
    std::vector<ReadOperationRecord> operations;
    while (true) {
      OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      operations.push_back(ReadRow(stmt));
    }
    return operations;
  }

  Status Release(const std::string& owner) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("UPDATE read_operations SET lease_until_ms = 0 "
                                        "WHERE owner = ? AND " OCULA_UNFINISHED));
    return stmt.BindText(1, owner).Run();
  }

  StatusOr<std::vector<std::string>> Expire(int64_t created_before_ms, size_t keep) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("DELETE FROM read_operations WHERE created_ms < ?1 OR "
                     "(status IN ('succeeded', 'failed') AND id NOT IN (SELECT id FROM "
                     "read_operations ORDER BY created_ms DESC, id DESC LIMIT ?2)) "
                     "RETURNING blob_key"));
    stmt.BindInt(1, created_before_ms).BindInt(2, static_cast<int64_t>(keep));
    std::vector<std::string> blob_keys;
    while (true) {
      OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      blob_keys.push_back(stmt.ColumnText(0));
    }
    return blob_keys;
  }

 private:
  StatusOr<ReadOperationRecord> GetLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT " OCULA_READ_OP_COLUMNS
                                                        " FROM read_operations WHERE id = ?"));
    stmt.BindText(1, id);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return NoSuchOperation(id);
    return ReadRow(stmt);
  }

  absl::Mutex mu_;
  const std::unique_ptr<Connection> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace

StatusOr<std::unique_ptr<ReadOperationStore>> OpenSqliteReadOperationStore(
    const std::string& db_path) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(db_path));
  OCULA_RETURN_IF_ERROR(sqlite::ApplyMigrations(*db, kMigrationsTable, kSteps, 0).status());
  return std::make_unique<SqliteReadOperationStore>(std::move(db));
}

}  // namespace ocula
