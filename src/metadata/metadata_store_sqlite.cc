#include "metadata/metadata_store_sqlite.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "db/sqlite_db.h"
#include "db/sqlite_migrations.h"
#include "metadata/metadata_schema.h"

namespace ocula {
namespace {

using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::SharedFile;
using sqlite::Statement;
using sqlite::Transaction;

constexpr size_t kReaderConnections = 4;
constexpr size_t kMaxPageSize = 1000;
// Relayed outbox rows are kept this long for inspection, then pruned.
constexpr int64_t kRelayedRetentionMs = 60 * 60 * 1000;
// Sorts after every ULID (digits and upper-case letters): the cursor of page 1.
constexpr std::string_view kAfterAllIds = "~";

#define OCULA_IMAGE_COLUMNS                                                         \
  "id, status, content_type, size, sha256, blob_key, idempotency_key, created_ms, " \
  "updated_ms, metadata_json, analysis_json, error_json, pipeline_version, version, filename"
// The same columns qualified by a table alias.
#define OCULA_IMAGE_COLUMNS_OF(t)                                                         \
  t ".id, " t ".status, " t ".content_type, " t ".size, " t ".sha256, " t ".blob_key, " t \
    ".idempotency_key, " t ".created_ms, " t ".updated_ms, " t ".metadata_json, " t       \
    ".analysis_json, " t ".error_json, " t ".pipeline_version, " t ".version, " t ".filename"

ImageRecord ReadImage(const Statement& row) {
  ImageRecord image;
  image.id = row.ColumnText(0);
  image.status = ParseImageStatus(row.ColumnText(1)).value_or(ImageStatus::kPending);
  image.content_type = row.ColumnText(2);
  image.size = static_cast<uint64_t>(row.ColumnInt(3));
  image.sha256 = row.ColumnText(4);
  image.blob_key = row.ColumnText(5);
  image.idempotency_key = row.ColumnText(6);
  image.created_ms = row.ColumnInt(7);
  image.updated_ms = row.ColumnInt(8);
  image.metadata_json = row.ColumnText(9);
  image.analysis_json = row.ColumnText(10);
  image.error_json = row.ColumnText(11);
  image.pipeline_version = row.ColumnText(12);
  image.version = row.ColumnInt(13);
  image.filename = row.ColumnText(14);
  return image;
}

Status NoSuchImage(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no image '", id, "'"));
}

StatusOr<std::optional<ImageRecord>> SelectImage(Connection& db, const char* sql,
                                                 const std::string& value) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
  stmt.BindText(1, value);
  OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::nullopt;
  return ReadImage(stmt);
}

StatusOr<std::optional<ImageRecord>> SelectById(Connection& db, const std::string& id) {
  return SelectImage(db, "SELECT " OCULA_IMAGE_COLUMNS " FROM images WHERE id = ?", id);
}

Status InsertImage(Connection& db, const ImageRecord& image) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         db.Prepare("INSERT INTO images (" OCULA_IMAGE_COLUMNS
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.BindText(1, image.id)
      .BindText(2, ToString(image.status))
      .BindText(3, image.content_type)
      .BindInt(4, static_cast<int64_t>(image.size))
      .BindText(5, image.sha256)
      .BindText(6, image.blob_key)
      .BindTextOrNull(7, image.idempotency_key)
      .BindInt(8, image.created_ms)
      .BindInt(9, image.updated_ms)
      .BindText(10, image.metadata_json)
      .BindText(11, image.analysis_json)
      .BindText(12, image.error_json)
      .BindText(13, image.pipeline_version)
      .BindInt(14, image.version)
      .BindText(15, image.filename);
  return stmt.Run();
}

Status InsertOutbox(Connection& db, const OutboxEvent& event, const std::string& image_id) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         db.Prepare("INSERT INTO outbox (id, topic, payload, created_ms, image_id) "
                                    "VALUES (?, ?, ?, ?, ?)"));
  stmt.BindText(1, event.id)
      .BindText(2, event.topic)
      .BindText(3, event.payload)
      .BindInt(4, event.created_ms)
      .BindText(5, image_id);
  return stmt.Run();
}

// Runs `sql` with `id` bound to ?1 on `db`.
Status RunWithId(Connection& db, const char* sql, const std::string& id) {
  OCULA_ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
  return stmt.BindText(1, id).Run();
}

class SqliteMetadataStore : public MetadataStore {
 public:
  SqliteMetadataStore(std::unique_ptr<Connection> writer,
                      std::vector<std::unique_ptr<Connection>> readers, Clock& clock)
      : clock_(clock),
        tenancy_(writer->file(), SharedFile::Tenant::kMetadata),
        file_(tenancy_.file()),
        writer_mu_(writer->write_mutex()),
        writer_(std::move(writer)),
        readers_(std::move(readers)) {}

  StatusOr<CreateResult> CreateImage(const ImageRecord& image, const OutboxEvent& event) override;
  StatusOr<ImageRecord> GetImage(const std::string& id) override;
  StatusOr<ImagePage> ListImages(const ListQuery& query) override;
  Status DeleteImage(const std::string& id) override;
  Status MarkProcessing(const std::string& id) override;
  Status SetResult(const std::string& id, const ImageResult& result) override;
  Status PutEmbedding(const std::string& id, const std::string& model,
                      std::span<const float> vector) override;
  StatusOr<std::vector<float>> GetEmbedding(const std::string& id,
                                            const std::string& model) override;
  StatusOr<std::vector<OutboxEvent>> PendingOutbox(size_t limit) override;
  Status MarkRelayed(const std::vector<std::string>& event_ids) override;
  StatusOr<std::vector<LabelCount>> CountLabels(LabelKind kind, size_t limit) override;
  StatusOr<ChangePage> ChangesSince(int64_t after, size_t limit) override;
  StatusOr<std::map<ImageStatus, int64_t>> CountByStatus() override;
  Status CheckHealth() override;

 private:
  // The transactions of CreateImage and DeleteImage (SyncLog comes after,
  // outside the write mutex).
  StatusOr<CreateResult> InsertImageAndEvent(const ImageRecord& image, const OutboxEvent& event);
  Status DeleteImageRows(const std::string& id);
  // Makes a worker's write durable before the worker acks its event, unless
  // the queue is in this file (then the ack comes later in the same log).
  Status SyncUnlessQueueHere() {
    return file_.Hosts(SharedFile::Tenant::kQueue) ? absl::OkStatus() : file_.SyncLog();
  }

  Clock& clock_;
  const SharedFile::Tenancy tenancy_;
  SharedFile& file_;
  absl::Mutex& writer_mu_;  // shared with the queue when it uses the same file
  const std::unique_ptr<Connection> writer_ ABSL_PT_GUARDED_BY(writer_mu_);
  ConnectionPool readers_;
};

// Durable when it returns, as the upload is acknowledged next (also when an
// idempotent retry finds the document that a concurrent request committed).
StatusOr<CreateResult> SqliteMetadataStore::CreateImage(const ImageRecord& image,
                                                        const OutboxEvent& event) {
  OCULA_ASSIGN_OR_RETURN(CreateResult created, InsertImageAndEvent(image, event));
  OCULA_RETURN_IF_ERROR(file_.SyncLog());
  return created;
}

StatusOr<CreateResult> SqliteMetadataStore::InsertImageAndEvent(const ImageRecord& image,
                                                                const OutboxEvent& event) {
  if (image.id.empty() || event.id.empty()) {
    return absl::InvalidArgumentError("CreateImage: image id and event id are required");
  }
  const int64_t now = clock_.NowMs();
  ImageRecord stored = image;
  if (stored.created_ms == 0) stored.created_ms = now;
  stored.updated_ms = stored.created_ms;
  stored.version = 1;
  OutboxEvent stored_event = event;
  if (stored_event.created_ms == 0) stored_event.created_ms = now;

  absl::MutexLock lock(&writer_mu_);
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  if (!image.idempotency_key.empty()) {
    OCULA_ASSIGN_OR_RETURN(
        std::optional<ImageRecord> existing,
        SelectImage(*writer_,
                    "SELECT " OCULA_IMAGE_COLUMNS " FROM images WHERE idempotency_key = ?",
                    image.idempotency_key));
    if (existing) return CreateResult{std::move(*existing), false};
  }
  OCULA_RETURN_IF_ERROR(InsertImage(*writer_, stored));
  OCULA_RETURN_IF_ERROR(InsertOutbox(*writer_, stored_event, stored.id));
  OCULA_RETURN_IF_ERROR(txn.Commit());
  return CreateResult{std::move(stored), true};
}

StatusOr<ImageRecord> SqliteMetadataStore::GetImage(const std::string& id) {
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(std::optional<ImageRecord> image, SelectById(*reader, id));
  if (!image) return NoSuchImage(id);
  return std::move(*image);
}

// The list query for `query`'s filters: ?1 cursor, ?2 limit, then the
// status, tag and category values that are set, in that order. Label filters
// join image_labels and order by its image_id, so that its primary key
// (kind, name, image_id) yields the newest matches first without sorting.
std::string ListSql(const ListQuery& query) {
  std::string sql = "SELECT " OCULA_IMAGE_COLUMNS_OF("i") " FROM images i";
  std::string order = "i.id";
  std::string where;
  int param = 3;
  auto join_label = [&](const char* alias, const char* kind) {
    absl::StrAppend(&sql, " JOIN image_labels ", alias, " ON ", alias, ".image_id = i.id AND ",
                    alias, ".kind = '", kind, "' AND ", alias, ".name = ?", param++);
    order = absl::StrCat(alias, ".image_id");
  };
  if (query.status) absl::StrAppend(&where, " AND i.status = ?", param++);
  if (!query.tag.empty()) join_label("t", "tag");
  if (!query.category.empty()) join_label("c", "category");
  return absl::StrCat(sql, " WHERE ", order, " < ?1", where, " ORDER BY ", order, " DESC LIMIT ?2");
}

StatusOr<ImagePage> SqliteMetadataStore::ListImages(const ListQuery& query) {
  const size_t limit = std::clamp<size_t>(query.limit, 1, kMaxPageSize);
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(Statement stmt, reader->Prepare(ListSql(query)));
  stmt.BindText(1, query.cursor.empty() ? kAfterAllIds : std::string_view(query.cursor))
      .BindInt(2, static_cast<int64_t>(limit + 1));  // one more tells whether a next page exists
  int param = 3;
  if (query.status) stmt.BindText(param++, ToString(*query.status));
  if (!query.tag.empty()) stmt.BindText(param++, query.tag);
  if (!query.category.empty()) stmt.BindText(param++, query.category);
  ImagePage page;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    page.images.push_back(ReadImage(stmt));
  }
  if (page.images.size() > limit) {
    page.images.pop_back();
    page.next_cursor = page.images.back().id;
  }
  return page;
}

Status SqliteMetadataStore::DeleteImage(const std::string& id) {
  OCULA_RETURN_IF_ERROR(DeleteImageRows(id));
  return file_.SyncLog();
}

Status SqliteMetadataStore::DeleteImageRows(const std::string& id) {
  absl::MutexLock lock(&writer_mu_);
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  OCULA_RETURN_IF_ERROR(RunWithId(*writer_, "DELETE FROM images WHERE id = ?", id));
  if (writer_->Changes() == 0) return NoSuchImage(id);
  // Embeddings go by ON DELETE CASCADE; this states it for readers of the code.
  OCULA_RETURN_IF_ERROR(RunWithId(*writer_, "DELETE FROM embeddings WHERE image_id = ?", id));
  OCULA_RETURN_IF_ERROR(RunWithId(*writer_, "DELETE FROM outbox WHERE image_id = ?", id));
  return txn.Commit();
}

Status SqliteMetadataStore::MarkProcessing(const std::string& id) {
  absl::MutexLock lock(&writer_mu_);
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         writer_->Prepare("UPDATE images SET status = 'processing', "
                                          "version = version + 1, updated_ms = ?2 "
                                          "WHERE id = ?1 AND status = 'pending'"));
  OCULA_RETURN_IF_ERROR(stmt.BindText(1, id).BindInt(2, clock_.NowMs()).Run());
  if (writer_->Changes() > 0) return absl::OkStatus();
  OCULA_ASSIGN_OR_RETURN(std::optional<ImageRecord> image, SelectById(*writer_, id));
  return image ? absl::OkStatus() : NoSuchImage(id);
}

Status SqliteMetadataStore::SetResult(const std::string& id, const ImageResult& result) {
  if (result.status != ImageStatus::kDone && result.status != ImageStatus::kFailed) {
    return absl::InvalidArgumentError("SetResult: status must be done or failed");
  }
  {
    absl::MutexLock lock(&writer_mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        writer_->Prepare("UPDATE images SET status = ?2, "
                         "metadata_json = CASE WHEN ?3 = '' THEN metadata_json ELSE ?3 END, "
                         "analysis_json = ?4, error_json = ?5, pipeline_version = ?6, "
                         "version = version + 1, updated_ms = ?7 WHERE id = ?1"));
    stmt.BindText(1, id)
        .BindText(2, ToString(result.status))
        .BindText(3, result.metadata_json)
        .BindText(4, result.analysis_json)
        .BindText(5, result.error_json)
        .BindText(6, result.pipeline_version)
        .BindInt(7, clock_.NowMs());
    OCULA_RETURN_IF_ERROR(stmt.Run());
    if (writer_->Changes() == 0) return NoSuchImage(id);
  }
  return SyncUnlessQueueHere();
}

Status SqliteMetadataStore::PutEmbedding(const std::string& id, const std::string& model,
                                         std::span<const float> vector) {
  if (model.empty()) return absl::InvalidArgumentError("PutEmbedding: model is required");
  {
    absl::MutexLock lock(&writer_mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        writer_->Prepare("INSERT INTO embeddings (image_id, model, dims, vector) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (image_id, model) "
                         "DO UPDATE SET dims = excluded.dims, vector = excluded.vector"));
    // float32 in host byte order (little-endian on every platform Ocula targets).
    // A non-null pointer keeps an empty vector a zero-length blob, not NULL.
    const void* bytes = vector.empty() ? static_cast<const void*>("") : vector.data();
    stmt.BindText(1, id).BindText(2, model).BindInt(3, static_cast<int64_t>(vector.size()));
    stmt.BindBlob(4, bytes, vector.size_bytes());
    Status status = stmt.Run();
    if (status.code() == StatusCode::kFailedPrecondition) return NoSuchImage(id);  // foreign key
    OCULA_RETURN_IF_ERROR(status);
  }
  return SyncUnlessQueueHere();
}

StatusOr<std::vector<float>> SqliteMetadataStore::GetEmbedding(const std::string& id,
                                                               const std::string& model) {
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(
      Statement stmt,
      reader->Prepare("SELECT dims, vector FROM embeddings WHERE image_id = ? AND model = ?"));
  stmt.BindText(1, id).BindText(2, model);
  OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) {
    return absl::NotFoundError(absl::StrCat("no embedding '", model, "' for image '", id, "'"));
  }
  const auto dims = static_cast<size_t>(stmt.ColumnInt(0));
  std::string bytes = stmt.ColumnBlob(1);
  if (bytes.size() != dims * sizeof(float)) {
    return absl::InternalError(absl::StrCat("embedding '", model, "' of '", id, "' is corrupt"));
  }
  std::vector<float> vector(dims);
  if (!bytes.empty()) std::memcpy(vector.data(), bytes.data(), bytes.size());
  return vector;
}

StatusOr<std::vector<OutboxEvent>> SqliteMetadataStore::PendingOutbox(size_t limit) {
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         reader->Prepare("SELECT id, topic, payload, created_ms FROM outbox "
                                         "WHERE relayed = 0 ORDER BY created_ms, rowid LIMIT ?"));
  stmt.BindInt(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<OutboxEvent> events;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    events.push_back(
        OutboxEvent{stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnInt(3)});
  }
  return events;
}

Status SqliteMetadataStore::MarkRelayed(const std::vector<std::string>& event_ids) {
  const int64_t now = clock_.NowMs();
  absl::MutexLock lock(&writer_mu_);
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  for (const std::string& id : event_ids) {
    OCULA_RETURN_IF_ERROR(RunWithId(*writer_, "UPDATE outbox SET relayed = 1 WHERE id = ?", id));
  }
  OCULA_ASSIGN_OR_RETURN(
      Statement prune, writer_->Prepare("DELETE FROM outbox WHERE relayed = 1 AND created_ms < ?"));
  OCULA_RETURN_IF_ERROR(prune.BindInt(1, now - kRelayedRetentionMs).Run());
  return txn.Commit();
}

StatusOr<std::vector<LabelCount>> SqliteMetadataStore::CountLabels(LabelKind kind, size_t limit) {
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         reader->Prepare("SELECT name, COUNT(*) AS n FROM image_labels "
                                         "WHERE kind = ? GROUP BY name ORDER BY n DESC, name "
                                         "LIMIT ?"));
  stmt.BindText(1, kind == LabelKind::kTag ? "tag" : "category")
      .BindInt(2, static_cast<int64_t>(std::clamp<size_t>(limit, 1, kMaxPageSize)));
  std::vector<LabelCount> labels;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    labels.push_back(LabelCount{stmt.ColumnText(0), stmt.ColumnInt(1)});
  }
  return labels;
}

StatusOr<ChangePage> SqliteMetadataStore::ChangesSince(int64_t after, size_t limit) {
  auto reader = readers_.Acquire();
  // One read transaction, so the bounds and the rows agree.
  OCULA_ASSIGN_OR_RETURN(Transaction txn, Transaction::BeginRead(*reader));
  OCULA_ASSIGN_OR_RETURN(Statement bounds,
                         reader->Prepare("SELECT MIN(seq), MAX(seq) FROM image_changes"));
  OCULA_ASSIGN_OR_RETURN(bool has_bounds, bounds.Step());
  ChangePage page;
  const int64_t oldest = has_bounds ? bounds.ColumnInt(0) : 0;  // NULL reads as 0
  page.latest_seq = has_bounds ? bounds.ColumnInt(1) : 0;
  page.gap = after > 0 && (after > page.latest_seq || (oldest > 0 && after < oldest - 1));
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         reader->Prepare("SELECT seq, image_id, status FROM image_changes "
                                         "WHERE seq > ? ORDER BY seq LIMIT ?"));
  stmt.BindInt(1, after).BindInt(2,
                                 static_cast<int64_t>(std::clamp<size_t>(limit, 1, kMaxPageSize)));
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    page.changes.push_back(ImageChange{stmt.ColumnInt(0), stmt.ColumnText(1), stmt.ColumnText(2)});
  }
  return page;
}

StatusOr<std::map<ImageStatus, int64_t>> SqliteMetadataStore::CountByStatus() {
  std::map<ImageStatus, int64_t> counts = {{ImageStatus::kPending, 0},
                                           {ImageStatus::kProcessing, 0},
                                           {ImageStatus::kDone, 0},
                                           {ImageStatus::kFailed, 0}};
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(Statement stmt,
                         reader->Prepare("SELECT status, COUNT(*) FROM images GROUP BY status"));
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    if (auto status = ParseImageStatus(stmt.ColumnText(0))) counts[*status] = stmt.ColumnInt(1);
  }
  return counts;
}

Status SqliteMetadataStore::CheckHealth() {
  OCULA_RETURN_IF_ERROR(file_.SyncFailure());
  auto reader = readers_.Acquire();
  OCULA_ASSIGN_OR_RETURN(Statement stmt, reader->Prepare("SELECT 1"));
  return stmt.Run();
}

}  // namespace

StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteMetadataStore(const std::string& db_path,
                                                                 Clock& clock) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                         Connection::Open(db_path, sqlite::Durability::kOnSyncLog));
  OCULA_RETURN_IF_ERROR(sqlite::ApplyMigrations(*writer, kMetadataMigrationsTable,
                                                MetadataMigrations(), clock.NowMs())
                            .status());
  std::vector<std::unique_ptr<Connection>> readers;
  for (size_t i = 0; i < kReaderConnections; ++i) {
    OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, Connection::Open(db_path));
    readers.push_back(std::move(reader));
  }
  return std::make_unique<SqliteMetadataStore>(std::move(writer), std::move(readers), clock);
}

StatusOr<std::string> SqliteDbPathFromUri(const Uri& uri) {
  if (uri.scheme != "sqlite") {
    return absl::InvalidArgumentError(absl::StrCat("not a sqlite:// URI: '", uri.Redacted(), "'"));
  }
  std::string path = uri.authority + uri.path;
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no database path in '", uri.Redacted(), "'"));
  }
  return path;
}

}  // namespace ocula
