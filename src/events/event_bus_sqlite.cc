#include "events/event_bus_sqlite.h"

#include <algorithm>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/ids.h"
#include "db/sqlite_db.h"
#include "db/sqlite_migrations.h"

namespace ocula {
namespace {

using sqlite::Connection;
using sqlite::SharedFile;
using sqlite::Statement;
using sqlite::Transaction;

constexpr absl::Duration kPollInterval = absl::Milliseconds(50);
constexpr int64_t kAckedRetentionMs = 24 * 60 * 60 * 1000;
constexpr std::string_view kMigrationsTable = "queue_schema_migrations";

// Version 1. queue_topic_visible serves "topic = ? AND visible_at_ms <= ?
// ORDER BY visible_at_ms, rowid" without sorting.
constexpr std::string_view kQueueV1 = R"sql(
CREATE TABLE queue (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  visible_at_ms INTEGER NOT NULL,
  receipt TEXT,
  last_error TEXT,
  created_ms INTEGER NOT NULL
);
CREATE INDEX queue_topic_visible ON queue (topic, visible_at_ms);
CREATE TABLE dead_letters (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  dead_at_ms INTEGER NOT NULL
);
CREATE INDEX dead_letters_time ON dead_letters (dead_at_ms);
CREATE TABLE queue_acked (
  id TEXT PRIMARY KEY,
  acked_ms INTEGER NOT NULL
);
CREATE INDEX queue_acked_time ON queue_acked (acked_ms);
)sql";
constexpr std::string_view kQueueSteps[] = {kQueueV1};

// Why a message that has used up its attempts is dead-lettered: its last
// lease expired (`leased`) or its last attempt was nacked.
std::string ExhaustedReason(int64_t attempts, bool leased, const std::string& last_error) {
  std::string reason =
      leased ? absl::StrCat("visibility timeout expired after ", attempts, " attempts")
             : absl::StrCat("gave up after ", attempts, " attempts");
  if (!last_error.empty()) absl::StrAppend(&reason, " (last error: ", last_error, ")");
  return reason;
}

Status LeaseLost(const Message& message) {
  return absl::FailedPreconditionError(
      absl::StrCat("lease of message '", message.id, "' was lost (expired or already settled)"));
}

class SqliteEventBus : public EventBus {
 public:
  SqliteEventBus(std::unique_ptr<Connection> db, const EventBusOptions& options, Clock& clock)
      : options_(options),
        clock_(clock),
        tenancy_(db->file(), SharedFile::Tenant::kQueue),
        file_(tenancy_.file()),
        db_mu_(db->write_mutex()),
        db_(std::move(db)) {}

  Status Publish(const Message& message) override;
  StatusOr<std::optional<Message>> Receive(const std::string& topic,
                                           std::chrono::milliseconds wait) override;
  Status Ack(const Message& message) override;
  Status Nack(const Message& message, const std::string& reason,
              std::optional<std::chrono::milliseconds> delay) override;
  Status DeadLetterNow(const Message& message, const std::string& reason) override;
  StatusOr<std::vector<DeadLetter>> DeadLetters(size_t limit) override;
  StatusOr<int64_t> Depth(const std::string& topic) override;
  void WakeAll() override;
  Status CheckHealth() override;

 private:
  // Leases the next visible message of `topic`, if any, without waiting.
  // Visible messages that have used up their attempts (their last lease
  // expired) are dead-lettered on the way, one by one as they come up, so
  // that a claim reads O(1) rows however long the backlog.
  StatusOr<std::optional<Message>> TryClaim(const std::string& topic);
  // Within a transaction: the attempts of `message` when its receipt is
  // current, else FailedPrecondition.
  StatusOr<int64_t> LeasedAttempts(const Message& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  Status MoveToDeadLetters(const std::string& id, const std::string& reason, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  int64_t BackoffMs(int64_t attempts) const;
  // Tells waiting receivers to look again.
  void Signal();

  const EventBusOptions options_;
  Clock& clock_;
  const SharedFile::Tenancy tenancy_;
  SharedFile& file_;

  absl::Mutex& db_mu_;  // shared with the metadata store when it uses the same file
  const std::unique_ptr<Connection> db_ ABSL_PT_GUARDED_BY(db_mu_);

  absl::Mutex wait_mu_;
  absl::CondVar wait_cv_;
  uint64_t signal_seq_ ABSL_GUARDED_BY(wait_mu_) = 0;  // bumped by Publish/Nack
  uint64_t wake_seq_ ABSL_GUARDED_BY(wait_mu_) = 0;    // bumped by WakeAll
};

Status SqliteEventBus::Publish(const Message& message) {
  if (message.id.empty() || message.topic.empty()) {
    return absl::InvalidArgumentError("Publish: message id and topic are required");
  }
  {
    absl::MutexLock lock(&db_mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT OR IGNORE INTO queue (id, topic, payload, visible_at_ms, created_ms) "
                     "SELECT ?1, ?2, ?3, ?4, ?4 "
                     "WHERE NOT EXISTS (SELECT 1 FROM dead_letters WHERE id = ?1) "
                     "AND NOT EXISTS (SELECT 1 FROM queue_acked WHERE id = ?1)"));
    stmt.BindText(1, message.id)
        .BindText(2, message.topic)
        .BindText(3, message.payload)
        .BindInt(4, clock_.NowMs());
    OCULA_RETURN_IF_ERROR(stmt.Run());
  }
  Signal();
  // Durable before the publisher goes on (the relay then marks the event
  // relayed), unless the metadata store is in this file: its later write
  // then comes after this one in the same log.
  return file_.Hosts(SharedFile::Tenant::kMetadata) ? absl::OkStatus() : file_.SyncLog();
}

StatusOr<std::optional<Message>> SqliteEventBus::Receive(const std::string& topic,
                                                         std::chrono::milliseconds wait) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(wait);
  uint64_t wake_seen;
  {
    absl::MutexLock lock(&wait_mu_);
    wake_seen = wake_seq_;
  }
  while (true) {
    uint64_t signal_seen;
    {
      absl::MutexLock lock(&wait_mu_);
      if (wake_seq_ != wake_seen) return std::nullopt;
      signal_seen = signal_seq_;  // taken before looking, so no signal is missed
    }
    OCULA_ASSIGN_OR_RETURN(std::optional<Message> message, TryClaim(topic));
    if (message) return message;

    absl::MutexLock lock(&wait_mu_);
    const absl::Time now = absl::Now();
    if (now >= deadline) return std::nullopt;
    const absl::Time poll_at = std::min(deadline, now + kPollInterval);
    while (signal_seq_ == signal_seen && wake_seq_ == wake_seen) {
      if (wait_cv_.WaitWithDeadline(&wait_mu_, poll_at)) break;  // timed out: poll
    }
  }
}

StatusOr<std::optional<Message>> SqliteEventBus::TryClaim(const std::string& topic) {
  const int64_t now = clock_.NowMs();
  absl::MutexLock lock(&db_mu_);
  {
    // A cheap read first, so that idle polling does not take the write lock.
    OCULA_ASSIGN_OR_RETURN(
        Statement probe,
        db_->Prepare("SELECT 1 FROM queue WHERE topic = ? AND visible_at_ms <= ? LIMIT 1"));
    probe.BindText(1, topic).BindInt(2, now);
    OCULA_ASSIGN_OR_RETURN(bool any, probe.Step());
    if (!any) return std::nullopt;
  }
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  while (true) {  // each pass leases the next message or dead-letters it
    Message message;
    int64_t attempts = 0;
    std::string exhausted_reason;
    {
      OCULA_ASSIGN_OR_RETURN(
          Statement next,
          db_->Prepare("SELECT id, payload, attempts, receipt IS NOT NULL, last_error FROM queue "
                       "WHERE topic = ? AND visible_at_ms <= ? ORDER BY visible_at_ms, rowid "
                       "LIMIT 1"));
      next.BindText(1, topic).BindInt(2, now);
      OCULA_ASSIGN_OR_RETURN(bool found, next.Step());
      if (!found) {
        OCULA_RETURN_IF_ERROR(txn.Commit());  // keeps any dead-lettering
        return std::nullopt;
      }
      message.id = next.ColumnText(0);
      message.payload = next.ColumnText(1);
      attempts = next.ColumnInt(2);
      if (attempts >= options_.max_attempts) {
        exhausted_reason = ExhaustedReason(attempts, next.ColumnInt(3) != 0, next.ColumnText(4));
      }
    }
    if (!exhausted_reason.empty()) {
      OCULA_RETURN_IF_ERROR(MoveToDeadLetters(message.id, exhausted_reason, now));
      continue;
    }
    message.topic = topic;
    message.attempt = static_cast<int>(attempts) + 1;
    message.receipt = RandomToken();
    OCULA_ASSIGN_OR_RETURN(
        Statement lease,
        db_->Prepare("UPDATE queue SET visible_at_ms = ?2, attempts = attempts + 1, "
                     "receipt = ?3 WHERE id = ?1"));
    lease.BindText(1, message.id)
        .BindInt(2, now + options_.visibility_timeout.count())
        .BindText(3, message.receipt);
    OCULA_RETURN_IF_ERROR(lease.Run());
    OCULA_RETURN_IF_ERROR(txn.Commit());
    return message;
  }
}

StatusOr<int64_t> SqliteEventBus::LeasedAttempts(const Message& message) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         db_->Prepare("SELECT attempts FROM queue WHERE id = ? AND receipt = ?"));
  stmt.BindText(1, message.id).BindText(2, message.receipt);
  OCULA_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return LeaseLost(message);
  return stmt.ColumnInt(0);
}

Status SqliteEventBus::MoveToDeadLetters(const std::string& id, const std::string& reason,
                                         int64_t now) {
  OCULA_ASSIGN_OR_RETURN(
      Statement move,
      db_->Prepare("INSERT OR REPLACE INTO dead_letters "
                   "(id, topic, payload, attempts, reason, dead_at_ms) "
                   "SELECT id, topic, payload, attempts, ?2, ?3 FROM queue WHERE id = ?1"));
  OCULA_RETURN_IF_ERROR(move.BindText(1, id).BindText(2, reason).BindInt(3, now).Run());
  OCULA_ASSIGN_OR_RETURN(Statement remove, db_->Prepare("DELETE FROM queue WHERE id = ?"));
  return remove.BindText(1, id).Run();
}

Status SqliteEventBus::Ack(const Message& message) {
  const int64_t now = clock_.NowMs();
  absl::MutexLock lock(&db_mu_);
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  {
    OCULA_ASSIGN_OR_RETURN(Statement remove,
                           db_->Prepare("DELETE FROM queue WHERE id = ? AND receipt = ?"));
    OCULA_RETURN_IF_ERROR(remove.BindText(1, message.id).BindText(2, message.receipt).Run());
    if (db_->Changes() == 0) return LeaseLost(message);
  }
  OCULA_ASSIGN_OR_RETURN(
      Statement remember,
      db_->Prepare("INSERT OR REPLACE INTO queue_acked (id, acked_ms) VALUES (?, ?)"));
  OCULA_RETURN_IF_ERROR(remember.BindText(1, message.id).BindInt(2, now).Run());
  OCULA_ASSIGN_OR_RETURN(Statement prune,
                         db_->Prepare("DELETE FROM queue_acked WHERE acked_ms < ?"));
  OCULA_RETURN_IF_ERROR(prune.BindInt(1, now - kAckedRetentionMs).Run());
  return txn.Commit();
}

int64_t SqliteEventBus::BackoffMs(int64_t attempts) const {
  const int64_t max = options_.backoff_max.count();
  int64_t delay = options_.backoff_base.count();
  for (int64_t i = 1; i < attempts && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

Status SqliteEventBus::Nack(const Message& message, const std::string& reason,
                            std::optional<std::chrono::milliseconds> delay) {
  const int64_t now = clock_.NowMs();
  {
    absl::MutexLock lock(&db_mu_);
    OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
    OCULA_ASSIGN_OR_RETURN(int64_t attempts, LeasedAttempts(message));
    if (attempts >= options_.max_attempts) {
      OCULA_RETURN_IF_ERROR(MoveToDeadLetters(message.id, reason, now));
    } else {
      OCULA_ASSIGN_OR_RETURN(Statement release,
                             db_->Prepare("UPDATE queue SET visible_at_ms = ?2, receipt = NULL, "
                                          "last_error = ?3 WHERE id = ?1"));
      const int64_t delay_ms = delay ? std::max<int64_t>(delay->count(), 0) : BackoffMs(attempts);
      release.BindText(1, message.id).BindInt(2, now + delay_ms).BindText(3, reason);
      OCULA_RETURN_IF_ERROR(release.Run());
    }
    OCULA_RETURN_IF_ERROR(txn.Commit());
  }
  Signal();
  return absl::OkStatus();
}

Status SqliteEventBus::DeadLetterNow(const Message& message, const std::string& reason) {
  const int64_t now = clock_.NowMs();
  absl::MutexLock lock(&db_mu_);
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  OCULA_RETURN_IF_ERROR(LeasedAttempts(message).status());
  OCULA_RETURN_IF_ERROR(MoveToDeadLetters(message.id, reason, now));
  return txn.Commit();
}

StatusOr<std::vector<DeadLetter>> SqliteEventBus::DeadLetters(size_t limit) {
  absl::MutexLock lock(&db_mu_);
  OCULA_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT id, topic, payload, attempts, reason, dead_at_ms FROM dead_letters "
                   "ORDER BY dead_at_ms DESC, rowid DESC LIMIT ?"));
  stmt.BindInt(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<DeadLetter> out;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    DeadLetter letter;
    letter.message.id = stmt.ColumnText(0);
    letter.message.topic = stmt.ColumnText(1);
    letter.message.payload = stmt.ColumnText(2);
    letter.attempts = static_cast<int>(stmt.ColumnInt(3));
    letter.message.attempt = letter.attempts;
    letter.reason = stmt.ColumnText(4);
    letter.dead_at_ms = stmt.ColumnInt(5);
    out.push_back(std::move(letter));
  }
  return out;
}

StatusOr<int64_t> SqliteEventBus::Depth(const std::string& topic) {
  absl::MutexLock lock(&db_mu_);
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         db_->Prepare("SELECT COUNT(*) FROM queue WHERE topic = ?"));
  stmt.BindText(1, topic);
  OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? stmt.ColumnInt(0) : 0;
}

void SqliteEventBus::Signal() {
  absl::MutexLock lock(&wait_mu_);
  ++signal_seq_;
  wait_cv_.SignalAll();
}

void SqliteEventBus::WakeAll() {
  absl::MutexLock lock(&wait_mu_);
  ++wake_seq_;
  wait_cv_.SignalAll();
}

Status SqliteEventBus::CheckHealth() {
  OCULA_RETURN_IF_ERROR(file_.SyncFailure());
  absl::MutexLock lock(&db_mu_);
  OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT 1"));
  return stmt.Run();
}

}  // namespace

StatusOr<std::unique_ptr<EventBus>> OpenSqliteEventBus(const std::string& db_path,
                                                       const EventBusOptions& options,
                                                       Clock& clock) {
  if (options.visibility_timeout.count() <= 0 || options.max_attempts < 1 ||
      options.backoff_base.count() < 0 || options.backoff_max < options.backoff_base) {
    return absl::InvalidArgumentError(
        "event bus options: need visibility_timeout > 0, max_attempts >= 1 and "
        "0 <= backoff_base <= backoff_max");
  }
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db,
                         Connection::Open(db_path, sqlite::Durability::kOnSyncLog));
  OCULA_RETURN_IF_ERROR(
      sqlite::ApplyMigrations(*db, kMigrationsTable, kQueueSteps, clock.NowMs()).status());
  return std::make_unique<SqliteEventBus>(std::move(db), options, clock);
}

}  // namespace ocula
