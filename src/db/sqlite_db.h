// A thin RAII layer over the SQLite C API, shared by the SQLite-backed
// components (metadata_store_sqlite, events/event_bus_sqlite): connections
// opened with Ocula's settings, cached prepared statements, transactions,
// error mapping. Schema migrations live in migrations.h.
//
// Thread-safety: a Connection (and the Statements and Transactions made from
// it) must be used by one thread at a time; callers serialize access, e.g. with
// a mutex or a pool that hands a connection to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/status.h"
#include "db/sqlite_file.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ocula::sqlite {

// Maps an SQLite result code to a Status: BUSY/LOCKED -> Unavailable (retry),
// FULL -> ResourceExhausted with reason InsufficientStorage, PRIMARY KEY or
// UNIQUE violations -> AlreadyExists, FOREIGN KEY violations ->
// FailedPrecondition, anything else -> Internal. The message holds `what` and
// SQLite's own message.
Status ErrorStatus(int rc, sqlite3* db, std::string_view what);

// A prepared statement borrowed from a Connection's cache. Binding indexes
// and column indexes are as in SQLite (binds from 1, columns from 0). On
// destruction the statement is reset and its bindings cleared.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& BindInt(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, std::string_view value);
  // Binds NULL for "" (for nullable columns such as idempotency keys).
  Statement& BindTextOrNull(int index, std::string_view value);
  Statement& BindBlob(int index, const void* data, size_t size);

  // Advances to the next row: true when there is one, false when done. A
  // binding error is reported here.
  StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;  // "" for NULL
  std::string ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  void NoteBind(int rc);

  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = 0;  // first failed binding, reported by Step
};

// When a COMMIT on a connection survives a power loss.
enum class Durability {
  kEachCommit,  // synchronous=FULL: every COMMIT fsyncs the log before it returns
  // synchronous=NORMAL: a COMMIT survives a crash of the process at once and
  // a power loss once SharedFile::SyncLog has run (see sqlite_file.h).
  kOnSyncLog,
};

class Connection {
 public:
  // Opens (creating when missing) the database file at `path` with:
  //   journal_mode=WAL    readers never block the writer and vice versa;
  //   synchronous         FULL or NORMAL by `durability`;
  //   busy_timeout        waits for other writers (other processes) instead
  //                       of failing at once;
  //   foreign_keys=ON.
  // In-memory databases are not supported (each connection would get its own).
  static StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, Durability durability = Durability::kEachCommit);
  // For Open only (the Passkey cannot be made elsewhere).
  class Passkey {
    friend class Connection;
    Passkey() = default;
  };
  Connection(Passkey, sqlite3* db, std::shared_ptr<SharedFile> file)
      : db_(db), file_(std::move(file)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // The cached prepared statement for `sql`. At most one Statement per SQL
  // text may be alive at a time.
  StatusOr<Statement> Prepare(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;

  // What every Connection to this file in this process shares: the write
  // mutex, the log's group commit, the tenants (sqlite_file.h).
  const std::shared_ptr<SharedFile>& file() const { return file_; }
  absl::Mutex& write_mutex() const { return file_->write_mutex(); }

 private:
  sqlite3* db_;
  std::shared_ptr<SharedFile> file_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A fixed set of connections, each lent to one thread at a time.
// Thread-safety: safe for concurrent use.
class ConnectionPool {
 public:
  // Returns the connection to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->Return(std::move(connection_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  explicit ConnectionPool(std::vector<std::unique_ptr<Connection>> connections)
      : free_(std::move(connections)) {}

  // Borrows a connection, waiting while all are lent out. The pool must
  // outlive the lease.
  Lease Acquire();

 private:
  void Return(std::unique_ptr<Connection> connection);

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> free_ ABSL_GUARDED_BY(mu_);
};

// A write transaction begun with BEGIN IMMEDIATE, so that the write lock is
// taken up front (a deferred transaction that upgrades later can fail with
// BUSY without waiting). Rolled back on destruction unless committed.
class Transaction {
 public:
  // A write transaction (BEGIN IMMEDIATE: takes the write lock now).
  static StatusOr<Transaction> Begin(Connection& connection);
  // A read transaction: one consistent snapshot for several statements.
  static StatusOr<Transaction> BeginRead(Connection& connection);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;  // null once committed or rolled back
};

}  // namespace ocula::sqlite
