#include "db/sqlite_db.h"

#include <sqlite3.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace ocula::sqlite {
namespace {
constexpr int kBusyTimeoutMs = 5000;

Status CheckRc(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return absl::OkStatus();
  return ErrorStatus(rc, db, what);
}

// Runs a PRAGMA that answers one row and checks the answer.
Status SetPragma(Connection& connection, std::string_view pragma, std::string_view expected) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(pragma));
  OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (has_row && !expected.empty() && stmt.ColumnText(0) != expected) {
    return absl::FailedPreconditionError(absl::StrCat(AbslView(pragma), " answered '",
                                                      stmt.ColumnText(0), "', expected '",
                                                      AbslView(expected), "'"));
  }
  return absl::OkStatus();
}

}  // namespace

Status ErrorStatus(int rc, sqlite3* db, std::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = absl::StrCat("sqlite: ", AbslView(what), ": ", detail);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
      return InsufficientStorageError(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(message);
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return absl::FailedPreconditionError(message);
      return absl::InternalError(message);
    default:
      return absl::InternalError(message);
  }
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  // reset() repeats the last step's error, which Step() already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::BindInt(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  NoteBind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindTextOrNull(int index, std::string_view value) {
  if (value.empty()) {
    NoteBind(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  return BindText(index, value);
}

Statement& Statement::BindBlob(int index, const void* data, size_t size) {
  NoteBind(sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT));
  return *this;
}

StatusOr<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return ErrorStatus(bind_rc_, db_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(rc, db_, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, Step());
    if (!has_row) return absl::OkStatus();
  }
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- Connection ----

StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                       Durability durability) {
  if (path.empty() || path == ":memory:") {
    return absl::InvalidArgumentError("sqlite: a database file path is required");
  }
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (see header).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = ErrorStatus(rc, db, absl::StrCat("open ", path));
    sqlite3_close_v2(db);
    return status;
  }
  auto connection = std::make_unique<Connection>(Passkey(), db, SharedFile::For(path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  OCULA_RETURN_IF_ERROR(SetPragma(*connection, "PRAGMA journal_mode=WAL", "wal"));
  OCULA_RETURN_IF_ERROR(
      connection->Exec(durability == Durability::kEachCommit
                           ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                           : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  int rc = sqlite3_close_v2(db_);
  if (rc != SQLITE_OK) spdlog::warn("sqlite: close failed: {}", sqlite3_errstr(rc));
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  // The message is also available from sqlite3_errmsg, which ErrorStatus uses.
  sqlite3_free(error);
  return ErrorStatus(rc, db_, text);
}

StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    OCULA_RETURN_IF_ERROR(CheckRc(rc, db_, absl::StrCat("prepare ", key)));
    it = cache_.emplace(std::move(key), stmt).first;
  }
  return Statement(it->second, db_);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

// ---- ConnectionPool ----

namespace {
bool HasFree(std::vector<std::unique_ptr<Connection>>* free) { return !free->empty(); }
}  // namespace

ConnectionPool::Lease ConnectionPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&HasFree, &free_));
  std::unique_ptr<Connection> connection = std::move(free_.back());
  free_.pop_back();
  return Lease(*this, std::move(connection));
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  free_.push_back(std::move(connection));
}

// ---- Transaction ----

StatusOr<Transaction> Transaction::Begin(Connection& connection) {
  OCULA_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
  return Transaction(&connection);
}

StatusOr<Transaction> Transaction::BeginRead(Connection& connection) {
  OCULA_RETURN_IF_ERROR(connection.Exec("BEGIN DEFERRED"));
  return Transaction(&connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  Status status = connection_->Exec("ROLLBACK");
  // After some errors (e.g. SQLITE_FULL) SQLite has already rolled back.
  if (!status.ok() && !absl::StrContains(status.message(), "no transaction is active")) {
    spdlog::error("sqlite: rollback failed: {}", std::string(status.message()));
  }
}

Status Transaction::Commit() {
  Connection* connection = std::exchange(connection_, nullptr);
  Status status = connection->Exec("COMMIT");
  if (!status.ok()) connection_ = connection;  // still open: roll back on destruction
  return status;
}

}  // namespace ocula::sqlite
