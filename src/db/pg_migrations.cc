#include "db/pg_migrations.h"

#include "absl/strings/str_cat.h"

namespace ocula {
namespace pg {
namespace {

// Ocula's advisory lock keys (one database-wide namespace of bigints):
// 42420001 migrations, 42420002 the change log
// (metadata/metadata_schema_postgres.cc).
constexpr char kLockMigrations[] = "SELECT pg_advisory_xact_lock(42420001)";

StatusOr<int> ApplyLocked(Connection& db, const std::string& table,
                          std::span<const std::string_view> steps, int64_t now_ms) {
  OCULA_RETURN_IF_ERROR(db.Exec(kLockMigrations).status());
  OCULA_RETURN_IF_ERROR(
      db.ExecScript(absl::StrCat("CREATE TABLE IF NOT EXISTS ", table,
                                 " (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)")));
  OCULA_ASSIGN_OR_RETURN(Result current,
                         db.Exec(absl::StrCat("SELECT COALESCE(MAX(version), 0) FROM ", table)));
  const int64_t version = current.Int(0, 0);
  const auto latest = static_cast<int64_t>(steps.size());
  if (version > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema '", table, "' is at version ", version,
                     ", newer than this build supports (", latest, "); upgrade Ocula"));
  }
  const std::string record =
      absl::StrCat("INSERT INTO ", table, " (version, applied_ms) VALUES ($1, $2)");
  for (int64_t next = version + 1; next <= latest; ++next) {
    OCULA_RETURN_IF_ERROR(db.ExecScript(steps[static_cast<size_t>(next - 1)]));
    OCULA_RETURN_IF_ERROR(db.Exec(record, Params().Int(next).Int(now_ms)).status());
  }
  return static_cast<int>(latest - version);
}

}  // namespace

StatusOr<int> ApplyMigrations(Pool& pool, std::string_view migrations_table,
                              std::span<const std::string_view> steps, int64_t now_ms) {
  const std::string table(migrations_table);
  int applied = 0;
  OCULA_RETURN_IF_ERROR(pool.Transact([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(applied, ApplyLocked(db, table, steps, now_ms));
    return absl::OkStatus();
  }));
  return applied;
}

}  // namespace pg

}  // namespace ocula
