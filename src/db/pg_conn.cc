#include "db/pg_conn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace ocula::pg {

// ---- Params ----------------------------------------------------------------

Params& Params::Add(std::string value, bool is_null, int format) {
  values_.push_back(std::move(value));
  nulls_.push_back(is_null);
  formats_.push_back(format);
  return *this;
}

Params& Params::Text(std::string_view value) { return Add(std::string(value), false, 0); }

Params& Params::TextOrNull(std::string_view value) {
  return Add(std::string(value), value.empty(), 0);
}

Params& Params::Int(int64_t value) { return Add(absl::StrCat(value), false, 0); }

Params& Params::Double(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return Add(std::string(buffer, ec == std::errc() ? end : buffer), false, 0);
}

Params& Params::Bytes(std::string_view bytes) { return Add(std::string(bytes), false, 1); }

// An array literal: {"a","b\"c"}; quoting every element keeps commas,
// braces, spaces and the word NULL literal.
Params& Params::TextArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return Add(std::move(literal), false, 0);
}

// ---- Result ----------------------------------------------------------------

void ResultDeleter::operator()(pg_result* result) const { PQclear(result); }

int Result::rows() const { return PQntuples(result_.get()); }

int64_t Result::affected() const {
  const char* text = PQcmdTuples(result_.get());
  int64_t count = 0;
  std::from_chars(text, text + std::strlen(text), count);
  return count;
}

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string Result::Text(int row, int column) const {
  if (IsNull(row, column)) return "";
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t Result::Int(int row, int column) const {
  const char* text = PQgetvalue(result_.get(), row, column);
  int64_t value = 0;
  std::from_chars(text, text + PQgetlength(result_.get(), row, column), value);
  return value;
}

double Result::Double(int row, int column) const {
  const char* text = PQgetvalue(result_.get(), row, column);
  double value = 0;
  std::from_chars(text, text + PQgetlength(result_.get(), row, column), value);
  return value;
}

std::string Result::Bytes(int row, int column) const {
  if (IsNull(row, column)) return "";
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column)), &length);
  if (bytes == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

// ---- Errors ----------------------------------------------------------------

namespace {

// Whether the condition is one that goes away by itself (retry may succeed).
bool IsTransientState(std::string_view state) {
  static constexpr std::string_view kTransient[] = {"40001", "40P01", "57P01", "57P02",
                                                    "57P03", "53300", "55P03"};
  return state.substr(0, 2) == "08" ||
         std::find(std::begin(kTransient), std::end(kTransient), state) != std::end(kTransient);
}

Status StatusForState(std::string_view state, const std::string& message) {
  // No SQLSTATE: libpq itself failed, i.e. the connection broke.
  if (state.empty() || IsTransientState(state)) return absl::UnavailableError(message);
  if (state == "57014") return absl::DeadlineExceededError(message);
  if (state == "23505") return absl::AlreadyExistsError(message);
  if (state == "23503") return absl::FailedPreconditionError(message);
  if (state == "53100") return InsufficientStorageError(message);
  const std::string_view state_class = state.substr(0, 2);
  if (state_class == "22" || state_class == "23") return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

std::string TrimmedMessage(const char* text) {
  std::string message = text == nullptr ? "" : text;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

Status ErrorStatus(const pg_result* result, const pg_conn* conn, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  // The primary message only: DETAIL lines quote row values.
  std::string message =
      TrimmedMessage(result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr);
  if (message.empty()) message = TrimmedMessage(PQerrorMessage(conn));
  return StatusForState(state ? state : "",
                        absl::StrCat("postgres: ", AbslView(what), ": ", message,
                                     state ? absl::StrCat(" (SQLSTATE ", state, ")") : ""));
}

// ---- Connection ------------------------------------------------------------

void ConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

namespace {

StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read the password file ", path));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  std::string password = contents.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

void DropNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

StatusOr<std::unique_ptr<Connection>> Connection::Open(const PostgresConfig& config) {
  std::string password;
  if (!config.password_file.empty()) {
    OCULA_ASSIGN_OR_RETURN(password, ReadPasswordFile(config.password_file));
  }
  const std::string timeout_s =
      absl::StrCat(std::max<int64_t>(1, (config.connect_timeout.count() + 999) / 1000));
  // Keywords after "dbname" (the expanded URI) override the URI's, those
  // before it are defaults the URI may override.
  std::vector<const char*> keys = {"connect_timeout", "fallback_application_name", "dbname"};
  std::vector<const char*> values = {timeout_s.c_str(), "ocula", config.conninfo.c_str()};
  if (!config.password_file.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  auto connection = std::make_unique<Connection>(
      PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1));
  pg_conn* conn = connection->conn_.get();
  if (conn == nullptr) return absl::ResourceExhaustedError("postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("postgres: cannot connect to ",
                                               RedactedConninfo(config.conninfo), ": ",
                                               TrimmedMessage(PQerrorMessage(conn))));
  }
  PQsetNoticeProcessor(conn, &DropNotice, nullptr);
  OCULA_RETURN_IF_ERROR(
      connection
          ->Exec("SELECT set_config('statement_timeout', $1, false)",
                 Params().Text(absl::StrCat(config.statement_timeout.count(), "ms")))
          .status());
  return connection;
}

StatusOr<Result> Connection::Exec(std::string_view sql, const Params& params) {
  const size_t n = params.values_.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  for (size_t i = 0; i < n; ++i) {
    values[i] = params.nulls_[i] ? nullptr : params.values_[i].data();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  const std::string text(sql);
  Result result(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(n), nullptr, values.data(),
                             lengths.data(), params.formats_.data(),
                             /*resultFormat=*/0));
  // The statement's start names it in errors; whole statements are long.
  return Checked(result, text.substr(0, 60));
}

Status Connection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  Result result(PQexec(conn_.get(), text.c_str()));
  return Checked(result, "schema script").status();
}

StatusOr<Result> Connection::Checked(Result& result, std::string_view what) const {
  const pg_result* raw = result.result_.get();
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return std::move(result);
  return ErrorStatus(raw, conn_.get(), what);
}

Status Connection::Transact(absl::FunctionRef<Status(Connection&)> work) {
  OCULA_RETURN_IF_ERROR(Exec("BEGIN").status());
  Status status = work(*this);
  if (status.ok()) {
    StatusOr<Result> commit = Exec("COMMIT");
    if (!commit.ok() && !alive()) commit_in_doubt_ = true;
    return commit.status();
  }
  if (alive()) {
    if (StatusOr<Result> rollback = Exec("ROLLBACK"); !rollback.ok()) {
      spdlog::warn("{}", rollback.status().ToString());
    }
  }
  return status;
}

bool Connection::alive() const {
  return PQstatus(conn_.get()) == CONNECTION_OK &&
         PQtransactionStatus(conn_.get()) != PQTRANS_UNKNOWN;
}

bool Connection::idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }

// ---- Pool ------------------------------------------------------------------

namespace {

// Sleeps for a random time in [delay/2, delay], so that callers that failed
// together do not all come back at the same moment.
void SleepWithJitter(std::chrono::milliseconds delay) {
  thread_local std::minstd_rand random(std::random_device{}());
  const auto half = delay.count() / 2;
  std::uniform_int_distribution<int64_t> extra(0, half);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay.count() - half + extra(random)));
}

}  // namespace

Pool::Pool(PostgresConfig config) : config_(std::move(config)) {}

StatusOr<Pool::Lent> Pool::Acquire(bool* exhausted) {
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    auto can_take = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < config_.pool_size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_take),
                              absl::FromChrono(config_.acquire_timeout))) {
      *exhausted = true;
      return absl::UnavailableError(absl::StrCat("postgres: all ", config_.pool_size,
                                                 " connections stayed busy for ",
                                                 config_.acquire_timeout.count(), " ms"));
    }
    generation = generation_;
    if (!idle_.empty()) {
      Lent lent{std::move(idle_.back()), generation};
      idle_.pop_back();
      return lent;
    }
    ++open_;
  }
  // Connecting takes a round trip or more: not under the lock.
  StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(config_);
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return opened.status();
  }
  return Lent{std::move(*opened), generation};
}

void Pool::Release(Lent lent) {
  std::vector<std::unique_ptr<Connection>> discarded;  // closed outside the lock
  absl::MutexLock lock(&mu_);
  const bool alive = lent.connection->alive();
  if (!alive) {
    ++generation_;
    open_ -= idle_.size();
    discarded.swap(idle_);
  }
  if (alive && lent.connection->idle() && lent.generation == generation_) {
    idle_.push_back(std::move(lent.connection));
  } else {
    --open_;
    discarded.push_back(std::move(lent.connection));
  }
}

Status Pool::Attempt(absl::FunctionRef<Status(Connection&)> work, bool* retryable) {
  bool exhausted = false;
  StatusOr<Lent> lent = Acquire(&exhausted);
  if (!lent.ok()) {
    // Waiting for a free connection already took its time; a failed connect
    // is worth another try.
    *retryable = !exhausted && lent.status().code() == StatusCode::kUnavailable;
    return lent.status();
  }
  Status status = work(*lent->connection);
  *retryable = status.code() == StatusCode::kUnavailable && !lent->connection->commit_in_doubt();
  Release(std::move(*lent));
  return status;
}

Status Pool::Run(absl::FunctionRef<Status(Connection&)> work) {
  std::chrono::milliseconds backoff = config_.initial_backoff;
  Status status;
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    status = Attempt(work, &retryable);
    if (status.ok() || !retryable) return status;
    if (attempt >= config_.max_attempts) break;
    spdlog::debug("{}; retrying in about {} ms", status.ToString(), backoff.count());
    SleepWithJitter(backoff);
    backoff = std::min(backoff * 2, config_.max_backoff);
  }
  return absl::UnavailableError(absl::StrCat("PostgreSQL unavailable after ", config_.max_attempts,
                                             " attempts: ", status.message()));
}

Status Pool::Transact(absl::FunctionRef<Status(Connection&)> work) {
  return Run([&work](Connection& connection) { return connection.Transact(work); });
}

}  // namespace ocula::pg
