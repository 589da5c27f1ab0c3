// CustomVisionStore in the metadata SQLite file: one connection behind a
// mutex (projects change at the pace of a person labelling photos; a
// training run reads its images once).
#include <algorithm>
#include <cstring>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "db/sqlite_db.h"
#include "db/sqlite_migrations.h"
#include "metadata/custom_vision_store.h"
#include "metadata/custom_vision_store_sql.h"
#include "nlohmann/json.hpp"

namespace ocula {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

constexpr char kMigrationsTable[] = "custom_vision_migrations";

constexpr std::string_view kV1 = R"sql(
CREATE TABLE cv_projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  classification_type TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE cv_tags (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES cv_projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  type TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE cv_images (
  project_id TEXT NOT NULL REFERENCES cv_projects (id) ON DELETE CASCADE,
  image_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  PRIMARY KEY (project_id, image_id)
);
CREATE INDEX cv_images_newest ON cv_images (project_id, created_ms DESC, image_id DESC);
CREATE TABLE cv_image_tags (
  project_id TEXT NOT NULL,
  image_id TEXT NOT NULL,
  tag_id TEXT NOT NULL REFERENCES cv_tags (id) ON DELETE CASCADE,
  PRIMARY KEY (project_id, image_id, tag_id),
  FOREIGN KEY (project_id, image_id) REFERENCES cv_images (project_id, image_id)
    ON DELETE CASCADE
);
CREATE INDEX cv_image_tags_tag ON cv_image_tags (tag_id);
CREATE TABLE cv_features (
  image_id TEXT NOT NULL,
  model TEXT NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (image_id, model)
);
CREATE TABLE cv_iterations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES cv_projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  classification_type TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  trained_ms INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  seed INTEGER NOT NULL,
  feature_model TEXT NOT NULL DEFAULT '',
  head_blob_key TEXT NOT NULL DEFAULT '',
  performance_json TEXT NOT NULL DEFAULT '',
  publish_name TEXT NOT NULL DEFAULT '',
  prediction_resource_id TEXT NOT NULL DEFAULT '',
  published_ms INTEGER NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  lease_until_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cv_iterations_project ON cv_iterations (project_id, created_ms);
CREATE UNIQUE INDEX cv_iterations_published ON cv_iterations (project_id, publish_name)
  WHERE publish_name != '';
CREATE UNIQUE INDEX cv_iterations_one_training ON cv_iterations (project_id)
  WHERE status = 'Training';
)sql";
// Claims are counted, so that an iteration whose training kills its worker
// every time ends Failed instead of being claimed forever.
constexpr std::string_view kV2 =
    "ALTER TABLE cv_iterations ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;";
// Classifiers attached to the upload pipeline, with their re-runs.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE cv_pipeline (
  project_id TEXT PRIMARY KEY REFERENCES cv_projects (id) ON DELETE CASCADE,
  publish_name TEXT NOT NULL,
  attached_ms INTEGER NOT NULL,
  rerun_status TEXT NOT NULL DEFAULT '',
  rerun_cursor TEXT NOT NULL DEFAULT '',
  rerun_done INTEGER NOT NULL DEFAULT 0,
  rerun_total INTEGER NOT NULL DEFAULT 0,
  rerun_error TEXT NOT NULL DEFAULT '',
  rerun_updated_ms INTEGER NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  lease_until_ms INTEGER NOT NULL DEFAULT 0
);
)sql";
constexpr std::string_view kSteps[] = {kV1, kV2, kV3};

CvPipeline ReadPipeline(const Statement& row) {
  return CvPipeline{row.ColumnText(0), row.ColumnText(1), row.ColumnInt(2), row.ColumnText(3),
                    row.ColumnText(4), row.ColumnInt(5),  row.ColumnInt(6), row.ColumnText(7),
                    row.ColumnInt(8),  row.ColumnText(9), row.ColumnInt(10)};
}

CvIteration ReadIteration(const Statement& row) {
  CvIteration r;
  r.id = row.ColumnText(0);
  r.project_id = row.ColumnText(1);
  r.name = row.ColumnText(2);
  r.status = row.ColumnText(3);
  r.classification_type = row.ColumnText(4);
  r.created_ms = row.ColumnInt(5);
  r.updated_ms = row.ColumnInt(6);
  r.trained_ms = row.ColumnInt(7);
  r.error = row.ColumnText(8);
  r.seed = static_cast<uint64_t>(row.ColumnInt(9));
  r.feature_model = row.ColumnText(10);
  r.head_blob_key = row.ColumnText(11);
  r.performance_json = row.ColumnText(12);
  r.publish_name = row.ColumnText(13);
  r.prediction_resource_id = row.ColumnText(14);
  r.published_ms = row.ColumnInt(15);
  r.owner = row.ColumnText(16);
  r.lease_until_ms = row.ColumnInt(17);
  r.attempts = static_cast<int>(row.ColumnInt(18));
  return r;
}

CvProject ReadProject(const Statement& row) {
  return CvProject{row.ColumnText(0), row.ColumnText(1), row.ColumnText(2),
                   row.ColumnText(3), row.ColumnInt(4),  row.ColumnInt(5)};
}

CvTag ReadTag(const Statement& row) {
  return CvTag{row.ColumnText(0), row.ColumnText(1), row.ColumnText(2), row.ColumnText(3),
               row.ColumnText(4), row.ColumnInt(5),  row.ColumnInt(6)};
}

Status NotFound(const char* what, const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no ", what, " '", id, "'"));
}

// Rows of a statement, each made by `read`.
template <typename T, typename Read>
StatusOr<std::vector<T>> AllRows(Statement& stmt, Read read) {
  std::vector<T> out;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return out;
    out.push_back(read(stmt));
  }
}

// A list bound as one parameter: a JSON array, read back in SQL with
// `IN (SELECT value FROM json_each(?))` (as PostgreSQL's `= ANY($n)`).
std::string JsonArray(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

// The WHERE clause of an image query over cv_images i: ?1 is the project,
// ?2 the tag ids (JsonArray; no filter when empty).
std::string ImageFilter(const CvImageQuery& q) {
  std::string sql = "i.project_id = ?1";
  const char* tagged =
      "EXISTS (SELECT 1 FROM cv_image_tags t WHERE t.project_id = i.project_id "
      "AND t.image_id = i.image_id";
  if (q.tagging == CvImageQuery::Tagging::kTagged) absl::StrAppend(&sql, " AND ", tagged, ")");
  if (q.tagging == CvImageQuery::Tagging::kUntagged) {
    absl::StrAppend(&sql, " AND NOT ", tagged, ")");
  }
  if (!q.tag_ids.empty()) {
    absl::StrAppend(&sql, " AND ", tagged, " AND t.tag_id IN (SELECT value FROM json_each(?2)))");
  }
  return sql;
}

void BindImageFilter(Statement& stmt, const std::string& project_id, const CvImageQuery& q) {
  stmt.BindText(1, project_id);
  if (!q.tag_ids.empty()) stmt.BindText(2, JsonArray(q.tag_ids));
}

class SqliteCustomVisionStore : public CustomVisionStore {
 public:
  explicit SqliteCustomVisionStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Status CreateProject(const CvProject& p) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT INTO cv_projects (id, name, description, classification_type, "
                     "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)"));
    return stmt.BindText(1, p.id)
        .BindText(2, p.name)
        .BindText(3, p.description)
        .BindText(4, p.classification_type)
        .BindInt(5, p.created_ms)
        .BindInt(6, p.updated_ms)
        .Run();
  }

  StatusOr<CvProject> GetProject(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    return GetProjectLocked(id);
  }

  StatusOr<std::vector<CvProject>> ListProjects() override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT " OCULA_CV_PROJECT_COLUMNS
                                        " FROM cv_projects ORDER BY created_ms, id"));
    return AllRows<CvProject>(stmt, ReadProject);
  }

  Status UpdateProject(const CvProject& p) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("UPDATE cv_projects SET name = ?2, description = ?3, "
                                        "classification_type = ?4, updated_ms = ?5 WHERE id = ?1"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, p.id)
                              .BindText(2, p.name)
                              .BindText(3, p.description)
                              .BindText(4, p.classification_type)
                              .BindInt(5, p.updated_ms)
                              .Run());
    return db_->Changes() > 0 ? absl::OkStatus() : NotFound("project", p.id);
  }

  StatusOr<std::vector<std::string>> DeleteProject(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    OCULA_ASSIGN_OR_RETURN(Statement heads,
                           db_->Prepare("SELECT head_blob_key FROM cv_iterations "
                                        "WHERE project_id = ? AND head_blob_key != ''"));
    heads.BindText(1, id);
    OCULA_ASSIGN_OR_RETURN(
        std::vector<std::string> keys,
        AllRows<std::string>(heads, [](const Statement& row) { return row.ColumnText(0); }));
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM cv_projects WHERE id = ?"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, id).Run());
    if (db_->Changes() == 0) return NotFound("project", id);
    OCULA_RETURN_IF_ERROR(tx.Commit());
    return keys;
  }

  Status CreateTag(const CvTag& t) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(t.project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT INTO cv_tags (id, project_id, name, description, type, created_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?)"));
    return stmt.BindText(1, t.id)
        .BindText(2, t.project_id)
        .BindText(3, t.name)
        .BindText(4, t.description)
        .BindText(5, t.type)
        .BindInt(6, t.created_ms)
        .Run();
  }

  StatusOr<CvTag> GetTag(const std::string& project_id, const std::string& tag_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt, db_->Prepare(OCULA_CV_TAG_SELECT " WHERE g.project_id = ? AND g.id = ?"));
    stmt.BindText(1, project_id).BindText(2, tag_id);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return NotFound("tag", tag_id);
    return ReadTag(stmt);
  }

  StatusOr<std::vector<CvTag>> ListTags(const std::string& project_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare(OCULA_CV_TAG_SELECT " WHERE g.project_id = ? ORDER BY g.created_ms, "
                                         "g.id"));
    stmt.BindText(1, project_id);
    return AllRows<CvTag>(stmt, ReadTag);
  }

  Status UpdateTag(const CvTag& t) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("UPDATE cv_tags SET name = ?3, description = ?4, "
                                        "type = ?5 WHERE project_id = ?1 AND id = ?2"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, t.project_id)
                              .BindText(2, t.id)
                              .BindText(3, t.name)
                              .BindText(4, t.description)
                              .BindText(5, t.type)
                              .Run());
    return db_->Changes() > 0 ? absl::OkStatus() : NotFound("tag", t.id);
  }

  Status DeleteTag(const std::string& project_id, const std::string& tag_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("DELETE FROM cv_tags WHERE project_id = ? AND id = ?"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, project_id).BindText(2, tag_id).Run());
    return db_->Changes() > 0 ? absl::OkStatus() : NotFound("tag", tag_id);
  }

  Status AddImages(const std::string& project_id, const std::vector<CvImage>& images) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(project_id).status());
    OCULA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    // Statements come from the connection's cache: one per execution.
    for (const CvImage& i : images) {
      OCULA_ASSIGN_OR_RETURN(
          Statement image,
          db_->Prepare("INSERT INTO cv_images (project_id, image_id, created_ms, width, height) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
      OCULA_RETURN_IF_ERROR(image.BindText(1, project_id)
                                .BindText(2, i.image_id)
                                .BindInt(3, i.created_ms)
                                .BindInt(4, i.width)
                                .BindInt(5, i.height)
                                .Run());
      for (const std::string& tag_id : i.tag_ids) {
        OCULA_ASSIGN_OR_RETURN(bool known, IsTagOf(project_id, tag_id));
        if (!known) {
          return absl::InvalidArgumentError(
              absl::StrCat("tag '", tag_id, "' is not a tag of project '", project_id, "'"));
        }
        OCULA_ASSIGN_OR_RETURN(
            Statement link, db_->Prepare("INSERT INTO cv_image_tags (project_id, image_id, tag_id) "
                                         "VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
        OCULA_RETURN_IF_ERROR(
            link.BindText(1, project_id).BindText(2, i.image_id).BindText(3, tag_id).Run());
      }
    }
    return tx.Commit();
  }

  Status Untag(const std::string& project_id, const std::vector<std::string>& image_ids,
               const std::vector<std::string>& tag_ids) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("DELETE FROM cv_image_tags WHERE project_id = ? AND image_id IN (SELECT "
                     "value FROM json_each(?)) AND tag_id IN (SELECT value FROM json_each(?))"));
    return stmt.BindText(1, project_id)
        .BindText(2, JsonArray(image_ids))
        .BindText(3, JsonArray(tag_ids))
        .Run();
  }

  Status RemoveImages(const std::string& project_id,
                      const std::vector<std::string>& image_ids) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("DELETE FROM cv_images WHERE project_id = ? AND image_id "
                                        "IN (SELECT value FROM json_each(?))"));
    return stmt.BindText(1, project_id).BindText(2, JsonArray(image_ids)).Run();
  }

  StatusOr<std::vector<CvImage>> ListImages(const std::string& project_id,
                                            const CvImageQuery& q) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare(absl::StrCat(
            "SELECT i.image_id, i.created_ms, i.width, i.height, (SELECT group_concat(tag_id) "
            "FROM (SELECT tag_id FROM cv_image_tags t WHERE t.project_id = i.project_id AND "
            "t.image_id = i.image_id ORDER BY tag_id)) FROM cv_images i WHERE ",
            ImageFilter(q), " ORDER BY i.created_ms DESC, i.image_id DESC LIMIT ?3 OFFSET ?4")));
    BindImageFilter(stmt, project_id, q);
    stmt.BindInt(3, q.take).BindInt(4, q.skip);
    return AllRows<CvImage>(stmt, [](const Statement& row) {
      CvImage image{row.ColumnText(0),
                    row.ColumnInt(1),
                    static_cast<int>(row.ColumnInt(2)),
                    static_cast<int>(row.ColumnInt(3)),
                    {}};
      const std::string tags = row.ColumnText(4);
      if (!tags.empty()) image.tag_ids = absl::StrSplit(tags, ',');
      return image;
    });
  }

  StatusOr<int64_t> CountImages(const std::string& project_id, const CvImageQuery& q) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare(absl::StrCat("SELECT count(*) FROM cv_images i WHERE ", ImageFilter(q))));
    BindImageFilter(stmt, project_id, q);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    return has_row ? stmt.ColumnInt(0) : 0;
  }

  Status PutFeatures(const std::string& image_id, const std::string& model,
                     const std::vector<float>& values) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("INSERT OR REPLACE INTO cv_features (image_id, model, "
                                        "vector) VALUES (?, ?, ?)"));
    return stmt.BindText(1, image_id)
        .BindText(2, model)
        .BindBlob(3, values.data(), values.size() * sizeof(float))
        .Run();
  }

  StatusOr<std::map<std::string, std::vector<float>>> GetFeatures(
      const std::string& model, const std::vector<std::string>& image_ids) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT image_id, vector FROM cv_features WHERE model = ? "
                                        "AND image_id IN (SELECT value FROM json_each(?))"));
    stmt.BindText(1, model).BindText(2, JsonArray(image_ids));
    std::map<std::string, std::vector<float>> out;
    while (true) {
      OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) return out;
      const std::string blob = stmt.ColumnBlob(1);
      std::vector<float> values(blob.size() / sizeof(float));
      std::memcpy(values.data(), blob.data(), values.size() * sizeof(float));
      out.emplace(stmt.ColumnText(0), std::move(values));
    }
  }

  Status CreateIteration(const CvIteration& r) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(r.project_id).status());
    OCULA_ASSIGN_OR_RETURN(Statement training,
                           db_->Prepare("SELECT 1 FROM cv_iterations WHERE project_id = ? AND "
                                        "status = 'Training'"));
    training.BindText(1, r.project_id);
    OCULA_ASSIGN_OR_RETURN(bool busy, training.Step());
    if (busy) {
      return absl::FailedPreconditionError(
          absl::StrCat("project '", r.project_id, "' is training already"));
    }
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT INTO cv_iterations (" OCULA_CV_ITERATION_COLUMNS
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    BindIteration(stmt, r);
    return stmt.Run();
  }

  StatusOr<CvIteration> GetIteration(const std::string& project_id,
                                     const std::string& iteration_id) override {
    absl::MutexLock lock(&mu_);
    return GetIterationLocked(project_id, iteration_id);
  }

  StatusOr<std::vector<CvIteration>> ListIterations(const std::string& project_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(project_id).status());
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT " OCULA_CV_ITERATION_COLUMNS
                                                        " FROM cv_iterations WHERE project_id = ? "
                                                        "ORDER BY created_ms, id"));
    stmt.BindText(1, project_id);
    return AllRows<CvIteration>(stmt, ReadIteration);
  }

  Status RenameIteration(const std::string& project_id, const std::string& iteration_id,
                         const std::string& name) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("UPDATE cv_iterations SET name = ? "
                                                        "WHERE project_id = ? AND id = ?"));
    OCULA_RETURN_IF_ERROR(
        stmt.BindText(1, name).BindText(2, project_id).BindText(3, iteration_id).Run());
    return db_->Changes() > 0 ? absl::OkStatus() : NotFound("iteration", iteration_id);
  }

  Status DeleteIteration(const std::string& project_id, const std::string& iteration_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(CvIteration it, GetIterationLocked(project_id, iteration_id));
    if (!it.publish_name.empty() || !it.finished()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "iteration '", iteration_id, "' is ",
          it.finished() ? "published; unpublish it first" : "training; wait for it to end"));
    }
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM cv_iterations WHERE id = ?"));
    return stmt.BindText(1, iteration_id).Run();
  }

  StatusOr<std::optional<CvIteration>> ClaimTraining(const std::string& owner, int64_t now_ms,
                                                     int64_t lease_until_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt, db_->Prepare("UPDATE cv_iterations SET owner = ?1, lease_until_ms = ?3, "
                                     "attempts = attempts + 1 WHERE id = "
                                     "(SELECT id FROM cv_iterations WHERE status = 'Training' AND "
                                     "lease_until_ms <= ?2 ORDER BY created_ms, id LIMIT 1) "
                                     "RETURNING " OCULA_CV_ITERATION_COLUMNS));
    stmt.BindText(1, owner).BindInt(2, now_ms).BindInt(3, lease_until_ms);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return std::optional<CvIteration>();
    CvIteration claimed = ReadIteration(stmt);
    OCULA_RETURN_IF_ERROR(stmt.Run());  // finishes the statement
    return std::optional<CvIteration>(std::move(claimed));
  }

  StatusOr<bool> RenewTraining(const std::string& iteration_id, const std::string& owner,
                               int64_t lease_until_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("UPDATE cv_iterations SET lease_until_ms = ? WHERE id = "
                                        "? AND owner = ? AND status = 'Training'"));
    OCULA_RETURN_IF_ERROR(
        stmt.BindInt(1, lease_until_ms).BindText(2, iteration_id).BindText(3, owner).Run());
    return db_->Changes() > 0;
  }

  StatusOr<bool> FinishIteration(const CvIteration& r, const std::string& owner) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("UPDATE cv_iterations SET status = ?3, trained_ms = ?4, updated_ms = ?4, "
                     "error = ?5, head_blob_key = ?6, performance_json = ?7, feature_model = ?8, "
                     "lease_until_ms = 0 WHERE id = ?1 AND owner = ?2 AND status = 'Training'"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, r.id)
                              .BindText(2, owner)
                              .BindText(3, r.status)
                              .BindInt(4, r.trained_ms)
                              .BindText(5, r.error)
                              .BindText(6, r.head_blob_key)
                              .BindText(7, r.performance_json)
                              .BindText(8, r.feature_model)
                              .Run());
    return db_->Changes() > 0;
  }

  Status Publish(const std::string& project_id, const std::string& iteration_id,
                 const std::string& name, const std::string& prediction_resource_id,
                 int64_t now_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(CvIteration it, GetIterationLocked(project_id, iteration_id));
    if (it.status != "Completed") {
      return absl::FailedPreconditionError(
          absl::StrCat("iteration '", iteration_id, "' is ", it.status, ", not Completed"));
    }
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("UPDATE cv_iterations SET publish_name = ?, "
                                        "prediction_resource_id = ?, published_ms = ?, "
                                        "updated_ms = ? WHERE id = ?"));
    return stmt.BindText(1, name)
        .BindText(2, prediction_resource_id)
        .BindInt(3, now_ms)
        .BindInt(4, now_ms)
        .BindText(5, iteration_id)
        .Run();
  }

  Status Unpublish(const std::string& project_id, const std::string& iteration_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("UPDATE cv_iterations SET publish_name = '', prediction_resource_id = '', "
                     "published_ms = 0 WHERE project_id = ? AND id = ?"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, project_id).BindText(2, iteration_id).Run());
    return db_->Changes() > 0 ? absl::OkStatus() : NotFound("iteration", iteration_id);
  }

  StatusOr<CvIteration> GetPublished(const std::string& project_id,
                                     const std::string& name) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT " OCULA_CV_ITERATION_COLUMNS
                                        " FROM cv_iterations WHERE project_id = ? AND "
                                        "publish_name = ? AND publish_name != ''"));
    stmt.BindText(1, project_id).BindText(2, name);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return NotFound("published iteration", name);
    return ReadIteration(stmt);
  }

  Status SetPipeline(const std::string& project_id, const std::string& publish_name,
                     int64_t now_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_RETURN_IF_ERROR(GetProjectLocked(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT INTO cv_pipeline (project_id, publish_name, attached_ms) VALUES (?, "
                     "?, ?) ON CONFLICT (project_id) DO UPDATE SET publish_name = "
                     "excluded.publish_name, attached_ms = excluded.attached_ms"));
    return stmt.BindText(1, project_id).BindText(2, publish_name).BindInt(3, now_ms).Run();
  }

  Status ClearPipeline(const std::string& project_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("DELETE FROM cv_pipeline WHERE project_id = ?"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, project_id).Run());
    return db_->Changes() > 0 ? absl::OkStatus() : NotFound("pipeline attachment of", project_id);
  }

  StatusOr<CvPipeline> GetPipeline(const std::string& project_id) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT " OCULA_CV_PIPELINE_COLUMNS
                                                        " FROM cv_pipeline WHERE project_id = ?"));
    stmt.BindText(1, project_id);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return NotFound("pipeline attachment of", project_id);
    return ReadPipeline(stmt);
  }

  StatusOr<std::vector<CvIteration>> PipelineIterations() override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("SELECT " OCULA_CV_ITERATION_COLUMNS
                     " FROM cv_iterations WHERE publish_name != '' AND (project_id, "
                     "publish_name) IN (SELECT project_id, publish_name FROM cv_pipeline) "
                     "ORDER BY project_id"));
    return AllRows<CvIteration>(stmt, ReadIteration);
  }

  Status StartRerun(const std::string& project_id, int64_t total, int64_t now_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("UPDATE cv_pipeline SET rerun_status = 'Running', rerun_cursor = '', "
                     "rerun_done = 0, rerun_total = ?2, rerun_error = '', rerun_updated_ms = ?3, "
                     "owner = '', lease_until_ms = 0 WHERE project_id = ?1 AND rerun_status != "
                     "'Running'"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, project_id).BindInt(2, total).BindInt(3, now_ms).Run());
    if (db_->Changes() > 0) return absl::OkStatus();
    OCULA_ASSIGN_OR_RETURN(Statement exists,
                           db_->Prepare("SELECT 1 FROM cv_pipeline WHERE project_id = ?"));
    exists.BindText(1, project_id);
    OCULA_ASSIGN_OR_RETURN(bool attached, exists.Step());
    if (!attached) return NotFound("pipeline attachment of", project_id);
    return absl::FailedPreconditionError("a re-run of this project's classifier is running");
  }

  StatusOr<std::optional<CvPipeline>> ClaimRerun(const std::string& owner, int64_t now_ms,
                                                 int64_t lease_until_ms) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("UPDATE cv_pipeline SET owner = ?1, lease_until_ms = ?3 WHERE project_id = "
                     "(SELECT project_id FROM cv_pipeline WHERE rerun_status = 'Running' AND "
                     "lease_until_ms <= ?2 ORDER BY rerun_updated_ms LIMIT 1) "
                     "RETURNING " OCULA_CV_PIPELINE_COLUMNS));
    stmt.BindText(1, owner).BindInt(2, now_ms).BindInt(3, lease_until_ms);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return std::optional<CvPipeline>();
    CvPipeline claimed = ReadPipeline(stmt);
    OCULA_RETURN_IF_ERROR(stmt.Run());  // finishes the statement
    return std::optional<CvPipeline>(std::move(claimed));
  }

  StatusOr<bool> SaveRerun(const CvPipeline& p, const std::string& owner) override {
    absl::MutexLock lock(&mu_);
    OCULA_ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("UPDATE cv_pipeline SET rerun_status = ?3, rerun_cursor = ?4, rerun_done = "
                     "?5, rerun_error = ?6, rerun_updated_ms = ?7, lease_until_ms = ?8 WHERE "
                     "project_id = ?1 AND owner = ?2 AND rerun_status = 'Running'"));
    OCULA_RETURN_IF_ERROR(stmt.BindText(1, p.project_id)
                              .BindText(2, owner)
                              .BindText(3, p.rerun_status)
                              .BindText(4, p.rerun_cursor)
                              .BindInt(5, p.rerun_done)
                              .BindText(6, p.rerun_error)
                              .BindInt(7, p.rerun_updated_ms)
                              .BindInt(8, p.lease_until_ms)
                              .Run());
    return db_->Changes() > 0;
  }

 private:
  StatusOr<bool> IsTagOf(const std::string& project_id, const std::string& tag_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT 1 FROM cv_tags WHERE "
                                                        "project_id = ? AND id = ?"));
    stmt.BindText(1, project_id).BindText(2, tag_id);
    return stmt.Step();
  }

  static void BindIteration(Statement& stmt, const CvIteration& r) {
    stmt.BindText(1, r.id)
        .BindText(2, r.project_id)
        .BindText(3, r.name)
        .BindText(4, r.status)
        .BindText(5, r.classification_type)
        .BindInt(6, r.created_ms)
        .BindInt(7, r.updated_ms)
        .BindInt(8, r.trained_ms)
        .BindText(9, r.error)
        .BindInt(10, static_cast<int64_t>(r.seed))
        .BindText(11, r.feature_model)
        .BindText(12, r.head_blob_key)
        .BindText(13, r.performance_json)
        .BindText(14, r.publish_name)
        .BindText(15, r.prediction_resource_id)
        .BindInt(16, r.published_ms)
        .BindText(17, r.owner)
        .BindInt(18, r.lease_until_ms)
        .BindInt(19, r.attempts);
  }

  StatusOr<CvProject> GetProjectLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    OCULA_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT " OCULA_CV_PROJECT_COLUMNS
                                                        " FROM cv_projects WHERE id = ?"));
    stmt.BindText(1, id);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return NotFound("project", id);
    return ReadProject(stmt);
  }

  StatusOr<CvIteration> GetIterationLocked(const std::string& project_id,
                                           const std::string& iteration_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    OCULA_ASSIGN_OR_RETURN(Statement stmt,
                           db_->Prepare("SELECT " OCULA_CV_ITERATION_COLUMNS
                                        " FROM cv_iterations WHERE project_id = ? AND id = ?"));
    stmt.BindText(1, project_id).BindText(2, iteration_id);
    OCULA_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return NotFound("iteration", iteration_id);
    return ReadIteration(stmt);
  }

  absl::Mutex mu_;
  const std::unique_ptr<Connection> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace

StatusOr<std::unique_ptr<CustomVisionStore>> OpenSqliteCustomVisionStore(
    const std::string& db_path) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(db_path));
  OCULA_RETURN_IF_ERROR(sqlite::ApplyMigrations(*db, kMigrationsTable, kSteps, 0).status());
  return std::make_unique<SqliteCustomVisionStore>(std::move(db));
}

}  // namespace ocula
