#include "db/sqlite_migrations.h"

#include "absl/strings/str_cat.h"

namespace ocula {
namespace sqlite {
namespace {

StatusOr<int64_t> CurrentVersion(Connection& connection, const std::string& table) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(absl::StrCat(
                                             "SELECT COALESCE(MAX(version), 0) FROM ", table)));
  OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? stmt.ColumnInt(0) : 0;
}

Status ApplyStep(Connection& connection, const std::string& table, int64_t version,
                 std::string_view sql, int64_t now_ms) {
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(connection));
  // Another process may have applied it between our check and our lock.
  OCULA_ASSIGN_OR_RETURN(int64_t current, CurrentVersion(connection, table));
  if (current >= version) return absl::OkStatus();
  OCULA_RETURN_IF_ERROR(connection.Exec(sql));
  OCULA_ASSIGN_OR_RETURN(Statement record,
                         connection.Prepare(absl::StrCat("INSERT INTO ", table,
                                                         " (version, applied_ms) VALUES (?, ?)")));
  OCULA_RETURN_IF_ERROR(record.BindInt(1, version).BindInt(2, now_ms).Run());
  return txn.Commit();
}

}  // namespace

StatusOr<int> ApplyMigrations(Connection& connection, std::string_view migrations_table,
                              std::span<const std::string_view> steps, int64_t now_ms) {
  std::string table(migrations_table);
  OCULA_RETURN_IF_ERROR(
      connection.Exec(absl::StrCat("CREATE TABLE IF NOT EXISTS ", table,
                                   " (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)")));
  OCULA_ASSIGN_OR_RETURN(int64_t current, CurrentVersion(connection, table));
  const auto latest = static_cast<int64_t>(steps.size());
  if (current > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema '", table, "' is at version ", current,
                     ", newer than this build supports (", latest, "); upgrade Ocula"));
  }
  int applied = 0;
  for (int64_t version = current + 1; version <= latest; ++version) {
    OCULA_RETURN_IF_ERROR(
        ApplyStep(connection, table, version, steps[static_cast<size_t>(version - 1)], now_ms));
    ++applied;
  }
  return applied;
}

}  // namespace sqlite

}  // namespace ocula
