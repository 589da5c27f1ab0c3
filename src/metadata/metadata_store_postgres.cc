#include "metadata/metadata_store_postgres.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "db/pg_conn.h"
#include "db/pg_migrations.h"
#include "metadata/metadata_schema.h"
#include "spdlog/spdlog.h"

namespace ocula {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;

constexpr size_t kMaxPageSize = 1000;
// Relayed outbox rows are kept this long for inspection, then pruned.
constexpr int64_t kRelayedRetentionMs = 60 * 60 * 1000;
// Sorts after every ULID (digits and upper-case letters): the cursor of page 1.
constexpr std::string_view kAfterAllIds = "~";

// jsonb columns read back as text, "" when NULL (absent).
#define OCULA_PG_IMAGE_COLUMNS_OF(t)                                                      \
  t ".id, " t ".status, " t ".content_type, " t ".size, " t ".sha256, " t ".blob_key, " t \
    ".idempotency_key, " t ".created_ms, " t ".updated_ms, " t ".metadata::text, " t      \
    ".analysis::text, " t ".error::text, " t ".pipeline_version, " t ".version, " t ".filename"
#define OCULA_PG_IMAGE_COLUMNS OCULA_PG_IMAGE_COLUMNS_OF("images")

ImageRecord ReadImage(const Result& rows, int row) {
  ImageRecord image;
  image.id = rows.Text(row, 0);
  image.status = ParseImageStatus(rows.Text(row, 1)).value_or(ImageStatus::kPending);
  image.content_type = rows.Text(row, 2);
  image.size = static_cast<uint64_t>(rows.Int(row, 3));
  image.sha256 = rows.Text(row, 4);
  image.blob_key = rows.Text(row, 5);
  image.idempotency_key = rows.Text(row, 6);
  image.created_ms = rows.Int(row, 7);
  image.updated_ms = rows.Int(row, 8);
  image.metadata_json = rows.Text(row, 9);
  image.analysis_json = rows.Text(row, 10);
  image.error_json = rows.Text(row, 11);
  image.pipeline_version = rows.Text(row, 12);
  image.version = rows.Int(row, 13);
  image.filename = rows.Text(row, 14);
  return image;
}

Status NoSuchImage(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no image '", id, "'"));
}

int64_t ClampedLimit(size_t limit) {
  return static_cast<int64_t>(std::clamp<size_t>(limit, 1, kMaxPageSize));
}

// Inserts `image` unless its idempotency key is taken. ON CONFLICT waits
// for a concurrent insert of the same key and then skips, so two uploads
// racing with one key make one image. True when inserted.
StatusOr<bool> InsertImage(Connection& db, const ImageRecord& image) {
  OCULA_ASSIGN_OR_RETURN(
      Result inserted,
      db.Exec("INSERT INTO images (id, status, content_type, size, sha256, blob_key, "
              "idempotency_key, created_ms, updated_ms, metadata, analysis, error, "
              "pipeline_version, version, filename) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
              "NULLIF($10, '')::jsonb, NULLIF($11, '')::jsonb, NULLIF($12, '')::jsonb, $13, $14, "
              "$15) ON CONFLICT (idempotency_key) DO NOTHING",
              Params()
                  .Text(image.id)
                  .Text(ToString(image.status))
                  .Text(image.content_type)
                  .Int(static_cast<int64_t>(image.size))
                  .Text(image.sha256)
                  .Text(image.blob_key)
                  .TextOrNull(image.idempotency_key)
                  .Int(image.created_ms)
                  .Int(image.updated_ms)
                  .Text(image.metadata_json)
                  .Text(image.analysis_json)
                  .Text(image.error_json)
                  .Text(image.pipeline_version)
                  .Int(image.version)
                  .Text(image.filename)));
  return inserted.affected() > 0;
}

Status InsertOutbox(Connection& db, const OutboxEvent& event, const std::string& image_id) {
  return db
      .Exec(
          "INSERT INTO outbox (id, topic, payload, created_ms, image_id) "
          "VALUES ($1, $2, $3, $4, $5)",
          Params()
              .Text(event.id)
              .Text(event.topic)
              .Text(event.payload)
              .Int(event.created_ms)
              .Text(image_id))
      .status();
}

StatusOr<std::optional<ImageRecord>> SelectImage(Connection& db, const char* where,
                                                 const std::string& value) {
  OCULA_ASSIGN_OR_RETURN(
      Result rows,
      db.Exec(absl::StrCat("SELECT " OCULA_PG_IMAGE_COLUMNS " FROM images WHERE ", where),
              Params().Text(value)));
  if (rows.rows() == 0) return std::nullopt;
  return ReadImage(rows, 0);
}

// The list query for `query`'s filters: $1 cursor, $2 limit, then the
// status, tag and category values that are set, in that order. Label filters
// join image_labels and order by its image_id, so that its primary key
// (kind, name, image_id) yields the newest matches first.
std::string ListSql(const ListQuery& query) {
  std::string sql = "SELECT " OCULA_PG_IMAGE_COLUMNS_OF("i") " FROM images i";
  std::string order = "i.id";
  std::string where;
  int param = 3;
  auto join_label = [&](const char* alias, const char* kind) {
    absl::StrAppend(&sql, " JOIN image_labels ", alias, " ON ", alias, ".image_id = i.id AND ",
                    alias, ".kind = '", kind, "' AND ", alias, ".name = $", param++);
    order = absl::StrCat(alias, ".image_id");
  };
  if (query.status) absl::StrAppend(&where, " AND i.status = $", param++);
  if (!query.tag.empty()) join_label("t", "tag");
  if (!query.category.empty()) join_label("c", "category");
  return absl::StrCat(sql, " WHERE ", order, " < $1", where, " ORDER BY ", order, " DESC LIMIT $2");
}

class PostgresMetadataStore : public MetadataStore {
 public:
  PostgresMetadataStore(const PostgresConfig& config, Clock& clock)
      : clock_(clock), pool_(config), instance_(RandomToken()) {}

  pg::Pool& pool() { return pool_; }

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
  Clock& clock_;
  pg::Pool pool_;
  // Names this instance's outbox leases.
  const std::string instance_;
};

StatusOr<CreateResult> PostgresMetadataStore::CreateImage(const ImageRecord& image,
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

  CreateResult result;
  OCULA_RETURN_IF_ERROR(pool_.Transact([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(bool inserted, InsertImage(db, stored));
    if (!inserted) {
      OCULA_ASSIGN_OR_RETURN(std::optional<ImageRecord> existing,
                             SelectImage(db, "idempotency_key = $1", image.idempotency_key));
      // Deleted between the two statements: the next attempt inserts.
      if (!existing) return absl::UnavailableError("idempotent upload raced with a delete");
      result = CreateResult{std::move(*existing), false};
      return absl::OkStatus();
    }
    result = CreateResult{stored, true};
    return InsertOutbox(db, stored_event, stored.id);
  }));
  return result;
}

StatusOr<ImageRecord> PostgresMetadataStore::GetImage(const std::string& id) {
  std::optional<ImageRecord> image;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(image, SelectImage(db, "id = $1", id));
    return absl::OkStatus();
  }));
  if (!image) return NoSuchImage(id);
  return std::move(*image);
}

StatusOr<ImagePage> PostgresMetadataStore::ListImages(const ListQuery& query) {
  const int64_t limit = ClampedLimit(query.limit);
  Params params;
  params.Text(query.cursor.empty() ? kAfterAllIds : std::string_view(query.cursor))
      .Int(limit + 1);  // one more tells whether a next page exists
  if (query.status) params.Text(ToString(*query.status));
  if (!query.tag.empty()) params.Text(query.tag);
  if (!query.category.empty()) params.Text(query.category);
  ImagePage page;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(Result rows, db.Exec(ListSql(query), params));
    page.images.clear();
    for (int row = 0; row < rows.rows(); ++row) page.images.push_back(ReadImage(rows, row));
    return absl::OkStatus();
  }));
  if (static_cast<int64_t>(page.images.size()) > limit) {
    page.images.pop_back();
    page.next_cursor = page.images.back().id;
  }
  return page;
}

Status PostgresMetadataStore::DeleteImage(const std::string& id) {
  return pool_.Transact([&](Connection& db) -> Status {
    // Embeddings and labels go by ON DELETE CASCADE.
    OCULA_ASSIGN_OR_RETURN(Result deleted,
                           db.Exec("DELETE FROM images WHERE id = $1", Params().Text(id)));
    if (deleted.affected() == 0) return NoSuchImage(id);
    return db.Exec("DELETE FROM outbox WHERE image_id = $1", Params().Text(id)).status();
  });
}

Status PostgresMetadataStore::MarkProcessing(const std::string& id) {
  bool exists = false;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    // One statement: the update, and whether the image exists at all (the
    // EXISTS sees the row as it was before the update, which is enough).
    OCULA_ASSIGN_OR_RETURN(
        Result rows,
        db.Exec("WITH moved AS (UPDATE images SET status = 'processing', version = version + 1, "
                "updated_ms = $2 WHERE id = $1 AND status = 'pending' RETURNING 1) "
                "SELECT EXISTS (SELECT 1 FROM images WHERE id = $1)",
                Params().Text(id).Int(clock_.NowMs())));
    exists = rows.Text(0, 0) == "t";
    return absl::OkStatus();
  }));
  return exists ? absl::OkStatus() : NoSuchImage(id);
}

Status PostgresMetadataStore::SetResult(const std::string& id, const ImageResult& result) {
  if (result.status != ImageStatus::kDone && result.status != ImageStatus::kFailed) {
    return absl::InvalidArgumentError("SetResult: status must be done or failed");
  }
  int64_t updated = 0;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(
        Result rows,
        db.Exec("UPDATE images SET status = $2, "
                "metadata = COALESCE(NULLIF($3, '')::jsonb, metadata), "
                "analysis = NULLIF($4, '')::jsonb, error = NULLIF($5, '')::jsonb, "
                "pipeline_version = $6, version = version + 1, updated_ms = $7 WHERE id = $1",
                Params()
                    .Text(id)
                    .Text(ToString(result.status))
                    .Text(result.metadata_json)
                    .Text(result.analysis_json)
                    .Text(result.error_json)
                    .Text(result.pipeline_version)
                    .Int(clock_.NowMs())));
    updated = rows.affected();
    return absl::OkStatus();
  }));
  return updated > 0 ? absl::OkStatus() : NoSuchImage(id);
}

Status PostgresMetadataStore::PutEmbedding(const std::string& id, const std::string& model,
                                           std::span<const float> vector) {
  if (model.empty()) return absl::InvalidArgumentError("PutEmbedding: model is required");
  // float32 in host byte order (little-endian on every platform Ocula targets).
  const std::string_view bytes(reinterpret_cast<const char*>(vector.data()), vector.size_bytes());
  Status status = pool_.Run([&](Connection& db) -> Status {
    return db
        .Exec(
            "INSERT INTO embeddings (image_id, model, dims, vector) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (image_id, model) DO UPDATE SET dims = excluded.dims, "
            "vector = excluded.vector",
            Params().Text(id).Text(model).Int(static_cast<int64_t>(vector.size())).Bytes(bytes))
        .status();
  });
  if (status.code() == StatusCode::kFailedPrecondition) return NoSuchImage(id);  // foreign key
  return status;
}

StatusOr<std::vector<float>> PostgresMetadataStore::GetEmbedding(const std::string& id,
                                                                 const std::string& model) {
  std::optional<std::pair<size_t, std::string>> found;  // dims, bytes
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(
        Result rows,
        db.Exec("SELECT dims, vector FROM embeddings WHERE image_id = $1 AND model = $2",
                Params().Text(id).Text(model)));
    found.reset();
    if (rows.rows() > 0) found.emplace(static_cast<size_t>(rows.Int(0, 0)), rows.Bytes(0, 1));
    return absl::OkStatus();
  }));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no embedding '", model, "' for image '", id, "'"));
  }
  const auto& [dims, bytes] = *found;
  if (bytes.size() != dims * sizeof(float)) {
    return absl::InternalError(absl::StrCat("embedding '", model, "' of '", id, "' is corrupt"));
  }
  std::vector<float> vector(dims);
  if (!bytes.empty()) std::memcpy(vector.data(), bytes.data(), bytes.size());
  return vector;
}

StatusOr<std::vector<OutboxEvent>> PostgresMetadataStore::PendingOutbox(size_t limit) {
  // Leases the oldest events nobody else holds; rows another instance is
  // claiming right now are skipped rather than waited for.
  std::vector<std::pair<int64_t, OutboxEvent>> claimed;  // seq, event
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(
        Result rows,
        db.Exec("UPDATE outbox o SET claimed_by = $1, "
                "claimed_until = clock_timestamp() + $2 * interval '1 millisecond' "
                "FROM (SELECT seq FROM outbox WHERE NOT relayed AND (claimed_by IS NULL OR "
                "claimed_by = $1 OR claimed_until < clock_timestamp()) "
                "ORDER BY created_ms, seq LIMIT $3 FOR UPDATE SKIP LOCKED) AS next "
                "WHERE o.seq = next.seq RETURNING o.seq, o.id, o.topic, o.payload, o.created_ms",
                Params()
                    .Text(instance_)
                    .Int(pool_.config().outbox_lease.count())
                    .Int(static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)))));
    claimed.clear();
    for (int row = 0; row < rows.rows(); ++row) {
      claimed.emplace_back(rows.Int(row, 0), OutboxEvent{rows.Text(row, 1), rows.Text(row, 2),
                                                         rows.Text(row, 3), rows.Int(row, 4)});
    }
    return absl::OkStatus();
  }));
  // RETURNING has no order of its own.
  std::sort(claimed.begin(), claimed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.created_ms, a.first) < std::tie(b.second.created_ms, b.first);
  });
  std::vector<OutboxEvent> events;
  for (auto& [seq, event] : claimed) events.push_back(std::move(event));
  return events;
}

Status PostgresMetadataStore::MarkRelayed(const std::vector<std::string>& event_ids) {
  const int64_t prune_before = clock_.NowMs() - kRelayedRetentionMs;
  return pool_.Transact([&](Connection& db) -> Status {
    OCULA_RETURN_IF_ERROR(db.Exec("UPDATE outbox SET relayed = true, claimed_by = NULL, "
                                  "claimed_until = NULL WHERE id = ANY($1::text[])",
                                  Params().TextArray(event_ids))
                              .status());
    return db
        .Exec("DELETE FROM outbox WHERE relayed AND created_ms < $1", Params().Int(prune_before))
        .status();
  });
}

StatusOr<std::vector<LabelCount>> PostgresMetadataStore::CountLabels(LabelKind kind, size_t limit) {
  std::vector<LabelCount> labels;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(
        Result rows,
        db.Exec(
            "SELECT name, COUNT(*) AS n FROM image_labels WHERE kind = $1 "
            "GROUP BY name ORDER BY n DESC, name LIMIT $2",
            Params().Text(kind == LabelKind::kTag ? "tag" : "category").Int(ClampedLimit(limit))));
    labels.clear();
    for (int row = 0; row < rows.rows(); ++row) {
      labels.push_back(LabelCount{rows.Text(row, 0), rows.Int(row, 1)});
    }
    return absl::OkStatus();
  }));
  return labels;
}

StatusOr<ChangePage> PostgresMetadataStore::ChangesSince(int64_t after, size_t limit) {
  ChangePage page;
  int64_t oldest = 0;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    // One statement, one snapshot: the bounds and the rows agree. Without
    // matching rows it still returns the bounds, with NULL change columns.
    OCULA_ASSIGN_OR_RETURN(
        Result rows,
        db.Exec("SELECT b.oldest, b.latest, c.seq, c.image_id, c.status FROM "
                "(SELECT COALESCE(MIN(seq), 0) AS oldest, COALESCE(MAX(seq), 0) AS latest "
                "FROM image_changes) b LEFT JOIN LATERAL (SELECT seq, image_id, status "
                "FROM image_changes WHERE seq > $1 ORDER BY seq LIMIT $2) c ON true ORDER BY c.seq",
                Params().Int(after).Int(ClampedLimit(limit))));
    oldest = rows.Int(0, 0);
    page.latest_seq = rows.Int(0, 1);
    page.changes.clear();
    for (int row = 0; row < rows.rows(); ++row) {
      if (rows.IsNull(row, 2)) continue;
      page.changes.push_back(ImageChange{rows.Int(row, 2), rows.Text(row, 3), rows.Text(row, 4)});
    }
    return absl::OkStatus();
  }));
  page.gap = after > 0 && (after > page.latest_seq || (oldest > 0 && after < oldest - 1));
  return page;
}

StatusOr<std::map<ImageStatus, int64_t>> PostgresMetadataStore::CountByStatus() {
  std::map<ImageStatus, int64_t> counts;
  OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
    OCULA_ASSIGN_OR_RETURN(Result rows,
                           db.Exec("SELECT status, COUNT(*) FROM images GROUP BY status"));
    counts = {{ImageStatus::kPending, 0},
              {ImageStatus::kProcessing, 0},
              {ImageStatus::kDone, 0},
              {ImageStatus::kFailed, 0}};
    for (int row = 0; row < rows.rows(); ++row) {
      if (auto status = ParseImageStatus(rows.Text(row, 0))) counts[*status] = rows.Int(row, 1);
    }
    return absl::OkStatus();
  }));
  return counts;
}

Status PostgresMetadataStore::CheckHealth() {
  return pool_.Run([](Connection& db) { return db.Exec("SELECT 1").status(); });
}

}  // namespace

StatusOr<std::unique_ptr<MetadataStore>> OpenPostgresMetadataStore(const PostgresConfig& config,
                                                                   Clock& clock) {
  auto store = std::make_unique<PostgresMetadataStore>(config, clock);
  OCULA_ASSIGN_OR_RETURN(int applied,
                         pg::ApplyMigrations(store->pool(), kPostgresMetadataMigrationsTable,
                                             PostgresMetadataMigrations(), clock.NowMs()));
  spdlog::info("metadata store: PostgreSQL at {} ({} schema migrations applied)",
               RedactedConninfo(config.conninfo), applied);
  return store;
}

}  // namespace ocula
