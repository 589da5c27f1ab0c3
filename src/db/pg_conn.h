// A thin RAII layer over libpq (the PostgreSQL C client), shared by the
// PostgreSQL-backed components (metadata_store_postgres,
// auth/key_store_postgres): query parameters and results, connections opened
// with Ocula's session settings, SQLSTATE -> Status mapping, and a bounded
// pool that retries transient failures. Schema migrations: pg_migrations.h.
//
// Error mapping (ErrorStatus): unique violation (23505) -> AlreadyExists;
// foreign key violation (23503) -> FailedPrecondition; other integrity and
// data errors (22xxx, 23xxx: e.g. malformed JSON for a jsonb column) ->
// InvalidArgument; disk full (53100) -> ResourceExhausted with reason
// InsufficientStorage; transient conditions -> Unavailable: connection
// failures (08xxx, or no SQLSTATE at all because the socket broke),
// serialization failure (40001), deadlock (40P01), server shutting down or
// starting (57P01, 57P02, 57P03), too many connections (53300), lock not
// available (55P03); statement timeout (57014) -> DeadlineExceeded (not
// retried: the same statement would likely time out again); anything else
// -> Internal.
//
// Thread-safety: a Connection is used by one thread at a time (the Pool lends
// each to one caller); Pool is safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "core/status.h"
#include "db/pg_config.h"

// libpq's handle types (PGconn, PGresult), declared here so that users of
// this header need not include libpq-fe.h.
struct pg_conn;
struct pg_result;

namespace ocula::pg {

// Parameters of one statement, $1, $2... in the order added. Sent as text,
// except Bytes (binary), so that no value is ever spliced into SQL.
class Params {
 public:
  Params& Text(std::string_view value);
  Params& TextOrNull(std::string_view value);  // NULL for ""
  Params& Int(int64_t value);
  Params& Double(double value);           // shortest text that reads back exactly
  Params& Bytes(std::string_view bytes);  // for bytea columns
  Params& TextArray(const std::vector<std::string>& values);  // for text[]

 private:
  friend class Connection;
  Params& Add(std::string value, bool is_null, int format);
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;  // 0 text, 1 binary
};

struct ResultDeleter {
  void operator()(pg_result* result) const;
};

// The rows of one statement, in text format. Rows and columns from 0.
class Result {
 public:
  explicit Result(pg_result* result) : result_(result) {}

  int rows() const;
  // Rows inserted, updated or deleted (0 for other statements).
  int64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;   // "" for NULL
  int64_t Int(int row, int column) const;        // 0 for NULL
  double Double(int row, int column) const;      // 0 for NULL
  std::string Bytes(int row, int column) const;  // a bytea value, decoded

 private:
  friend class Connection;
  std::unique_ptr<pg_result, ResultDeleter> result_;
};

struct ConnDeleter {
  void operator()(pg_conn* conn) const;
};

class Connection {
 public:
  // Connects with `config` (password from its file when it names one) and
  // applies the session settings (statement_timeout). Notices (e.g. "already
  // exists, skipping") are dropped instead of going to stderr.
  // Unavailable when the server cannot be reached or refuses the login.
  static StatusOr<std::unique_ptr<Connection>> Open(const PostgresConfig& config);

  // Runs one statement with `params` bound to $1, $2...
  StatusOr<Result> Exec(std::string_view sql, const Params& params = Params());
  // Runs one or more statements without parameters (schema scripts).
  Status ExecScript(std::string_view sql);

  // Runs `work` between BEGIN and COMMIT; rolls back when it fails.
  Status Transact(absl::FunctionRef<Status(Connection&)> work);

  // False once the connection to the server is lost; it is then discarded.
  bool alive() const;
  // True when no transaction is open (what a pooled connection must be).
  bool idle() const;
  // True when the connection broke while COMMIT was on its way: the
  // transaction may or may not have committed, so running it again is unsafe.
  bool commit_in_doubt() const { return commit_in_doubt_; }

  explicit Connection(pg_conn* conn) : conn_(conn) {}  // takes ownership; for Open

 private:
  // `result` when it succeeded, else its error as a Status.
  StatusOr<Result> Checked(Result& result, std::string_view what) const;

  std::unique_ptr<pg_conn, ConnDeleter> conn_;
  bool commit_in_doubt_ = false;
};

// Maps a failed result (or, when `result` is null, a failure of the
// connection itself) to a Status, as described at the top of this file.
Status ErrorStatus(const pg_result* result, const pg_conn* conn, std::string_view what);

// At most config.pool_size connections, opened on demand and lent to one
// caller at a time. Calls go through Run/Transact, which retry the whole unit
// of work on Unavailable (up to config.max_attempts in all, with jittered
// exponential backoff) on a healthy connection: when a connection is found
// broken, every idle one is discarded too (they most likely died with the
// same server), so that the pool recovers by itself once the server is back.
// A transaction whose COMMIT outcome is unknown is not run again; it fails
// with Unavailable. Errors other than Unavailable are returned at once.
class Pool {
 public:
  explicit Pool(PostgresConfig config);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  Status Run(absl::FunctionRef<Status(Connection&)> work);
  Status Transact(absl::FunctionRef<Status(Connection&)> work);

  const PostgresConfig& config() const { return config_; }

 private:
  struct Lent {
    std::unique_ptr<Connection> connection;
    uint64_t generation = 0;
  };
  // Sets *exhausted when it timed out waiting for a free connection.
  StatusOr<Lent> Acquire(bool* exhausted);
  void Release(Lent lent);
  Status Attempt(absl::FunctionRef<Status(Connection&)> work, bool* retryable);

  const PostgresConfig config_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;  // idle and lent out
  // Bumped when a broken connection is found; older connections are dropped.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ocula::pg
