#include "metadata/read_operation_store_postgres.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "db/pg_conn.h"
#include "db/pg_migrations.h"

namespace ocula {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;

constexpr char kMigrationsTable[] = "read_operation_migrations";

// Version 1: the operations, with the lease of the process running each.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE read_operations (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  language TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  owner TEXT NOT NULL,
  lease_until_ms BIGINT NOT NULL,
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

ReadOperationRecord ReadRow(const Result& rows, int row) {
  ReadOperationRecord r;
  r.id = rows.Text(row, 0);
  r.status = rows.Text(row, 1);
  r.language = rows.Text(row, 2);
  r.blob_key = rows.Text(row, 3);
  r.created_ms = rows.Int(row, 4);
  r.updated_ms = rows.Int(row, 5);
  r.owner = rows.Text(row, 6);
  r.lease_until_ms = rows.Int(row, 7);
  r.read_result_json = rows.Text(row, 8);
  r.model_version = rows.Text(row, 9);
  r.error_code = rows.Text(row, 10);
  r.error_message = rows.Text(row, 11);
  return r;
}

Status NoSuchOperation(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no read operation '", id, "'"));
}

class PostgresReadOperationStore : public ReadOperationStore {
 public:
  explicit PostgresReadOperationStore(const PostgresConfig& config) : pool_(config) {}

  pg::Pool& pool() { return pool_; }

  Status Insert(const ReadOperationRecord& r) override {
    return pool_.Run([&](Connection& db) {
      return db
          .Exec("INSERT INTO read_operations (" OCULA_READ_OP_COLUMNS
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                Params()
                    .Text(r.id)
                    .Text(r.status)
                    .Text(r.language)
                    .Text(r.blob_key)
                    .Int(r.created_ms)
                    .Int(r.updated_ms)
                    .Text(r.owner)
                    .Int(r.lease_until_ms)
                    .Text(r.read_result_json)
                    .Text(r.model_version)
                    .Text(r.error_code)
                    .Text(r.error_message))
          .status();
    });
  }

  StatusOr<ReadOperationRecord> Get(const std::string& id) override {
    std::optional<ReadOperationRecord> operation;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(Result rows, db.Exec("SELECT " OCULA_READ_OP_COLUMNS
                                                  " FROM read_operations WHERE id = $1",
                                                  Params().Text(id)));
      operation.reset();
      if (rows.rows() > 0) operation = ReadRow(rows, 0);
      return absl::OkStatus();
    }));
    if (!operation) return NoSuchOperation(id);
    return std::move(*operation);
  }

  StatusOr<bool> Claim(const std::string& id, const std::string& owner, int64_t now_ms,
                       int64_t lease_until_ms, bool start) override {
    bool claimed = false;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(
          Result rows,
          db.Exec(
              "UPDATE read_operations SET owner = $2, lease_until_ms = $4, "
              "status = CASE WHEN $5::bigint = 1 THEN 'running' ELSE status END, "
              "updated_ms = CASE WHEN $5::bigint = 1 THEN $3 ELSE updated_ms END "
              "WHERE id = $1 AND " OCULA_UNFINISHED " AND (owner = $2 OR lease_until_ms <= $3)",
              Params().Text(id).Text(owner).Int(now_ms).Int(lease_until_ms).Int(start ? 1 : 0)));
      claimed = rows.affected() > 0;
      return absl::OkStatus();
    }));
    return claimed;
  }

  Status Finish(const ReadOperationRecord& r) override {
    int64_t updated = 0;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(Result rows,
                             db.Exec("UPDATE read_operations SET status = $2, updated_ms = $3, "
                                     "read_result_json = $4, model_version = $5, error_code = $6, "
                                     "error_message = $7 WHERE id = $1 AND " OCULA_UNFINISHED,
                                     Params()
                                         .Text(r.id)
                                         .Text(r.status)
                                         .Int(r.updated_ms)
                                         .Text(r.read_result_json)
                                         .Text(r.model_version)
                                         .Text(r.error_code)
                                         .Text(r.error_message)));
      updated = rows.affected();
      return absl::OkStatus();
    }));
    if (updated > 0) return absl::OkStatus();
    return Get(r.id).status();  // finished before: OK; gone: NotFound
  }

  StatusOr<std::vector<ReadOperationRecord>> Abandoned(int64_t now_ms, size_t limit) override {
    std::vector<ReadOperationRecord> operations;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(
          Result rows,
          db.Exec("SELECT " OCULA_READ_OP_COLUMNS " FROM read_operations WHERE " OCULA_UNFINISHED
                  " AND lease_until_ms <= $1 ORDER BY created_ms, id LIMIT $2",
                  Params().Int(now_ms).Int(static_cast<int64_t>(limit))));
      operations.clear();
      for (int row = 0; row < rows.rows(); ++row) operations.push_back(ReadRow(rows, row));
      return absl::OkStatus();
    }));
    return operations;
  }

  Status Release(const std::string& owner) override {
    return pool_.Run([&](Connection& db) {
      return db
          .Exec(
              "UPDATE read_operations SET lease_until_ms = 0 WHERE owner = $1 "
              "AND " OCULA_UNFINISHED,
              Params().Text(owner))
          .status();
    });
  }

  StatusOr<std::vector<std::string>> Expire(int64_t created_before_ms, size_t keep) override {
    std::vector<std::string> blob_keys;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(
          Result rows, db.Exec("DELETE FROM read_operations WHERE created_ms < $1 OR "
                               "(status IN ('succeeded', 'failed') AND id NOT IN (SELECT id FROM "
                               "read_operations ORDER BY created_ms DESC, id DESC LIMIT $2)) "
                               "RETURNING blob_key",
                               Params().Int(created_before_ms).Int(static_cast<int64_t>(keep))));
      blob_keys.clear();
      for (int row = 0; row < rows.rows(); ++row) blob_keys.push_back(rows.Text(row, 0));
      return absl::OkStatus();
    }));
    return blob_keys;
  }

 private:
  pg::Pool pool_;
};

}  // namespace

StatusOr<std::unique_ptr<ReadOperationStore>> OpenPostgresReadOperationStore(
    const PostgresConfig& config) {
  auto store = std::make_unique<PostgresReadOperationStore>(config);
  OCULA_RETURN_IF_ERROR(pg::ApplyMigrations(store->pool(), kMigrationsTable, kSteps, 0).status());
  return store;
}

}  // namespace ocula
