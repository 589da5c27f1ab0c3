#include "metadata/custom_vision_store_postgres.h"

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "db/pg_conn.h"
#include "db/pg_migrations.h"
#include "metadata/custom_vision_store_sql.h"

namespace ocula {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;

constexpr char kMigrationsTable[] = "custom_vision_migrations";

// The same tables as the SQLite store (custom_vision_store_sqlite.cc).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE cv_projects (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  classification_type TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE cv_tags (
  id TEXT COLLATE "C" PRIMARY KEY,
  project_id TEXT COLLATE "C" NOT NULL REFERENCES cv_projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  type TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE cv_images (
  project_id TEXT COLLATE "C" NOT NULL REFERENCES cv_projects (id) ON DELETE CASCADE,
  image_id TEXT COLLATE "C" NOT NULL,
  created_ms BIGINT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  PRIMARY KEY (project_id, image_id)
);
CREATE INDEX cv_images_newest ON cv_images (project_id, created_ms DESC, image_id DESC);
CREATE TABLE cv_image_tags (
  project_id TEXT COLLATE "C" NOT NULL,
  image_id TEXT COLLATE "C" NOT NULL,
  tag_id TEXT COLLATE "C" NOT NULL REFERENCES cv_tags (id) ON DELETE CASCADE,
  PRIMARY KEY (project_id, image_id, tag_id),
  FOREIGN KEY (project_id, image_id) REFERENCES cv_images (project_id, image_id)
    ON DELETE CASCADE
);
CREATE INDEX cv_image_tags_tag ON cv_image_tags (tag_id);
CREATE TABLE cv_features (
  image_id TEXT COLLATE "C" NOT NULL,
  model TEXT NOT NULL,
  vector BYTEA NOT NULL,
  PRIMARY KEY (image_id, model)
);
CREATE TABLE cv_iterations (
  id TEXT COLLATE "C" PRIMARY KEY,
  project_id TEXT COLLATE "C" NOT NULL REFERENCES cv_projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  classification_type TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  trained_ms BIGINT NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  seed BIGINT NOT NULL,
  feature_model TEXT NOT NULL DEFAULT '',
  head_blob_key TEXT NOT NULL DEFAULT '',
  performance_json TEXT NOT NULL DEFAULT '',
  publish_name TEXT NOT NULL DEFAULT '',
  prediction_resource_id TEXT NOT NULL DEFAULT '',
  published_ms BIGINT NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  lease_until_ms BIGINT NOT NULL DEFAULT 0
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
  project_id TEXT COLLATE "C" PRIMARY KEY REFERENCES cv_projects (id) ON DELETE CASCADE,
  publish_name TEXT NOT NULL,
  attached_ms BIGINT NOT NULL,
  rerun_status TEXT NOT NULL DEFAULT '',
  rerun_cursor TEXT NOT NULL DEFAULT '',
  rerun_done BIGINT NOT NULL DEFAULT 0,
  rerun_total BIGINT NOT NULL DEFAULT 0,
  rerun_error TEXT NOT NULL DEFAULT '',
  rerun_updated_ms BIGINT NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  lease_until_ms BIGINT NOT NULL DEFAULT 0
);
)sql";
constexpr std::string_view kSteps[] = {kV1, kV2, kV3};

CvPipeline ReadPipeline(const Result& r, int row) {
  return CvPipeline{r.Text(row, 0), r.Text(row, 1), r.Int(row, 2), r.Text(row, 3),
                    r.Text(row, 4), r.Int(row, 5),  r.Int(row, 6), r.Text(row, 7),
                    r.Int(row, 8),  r.Text(row, 9), r.Int(row, 10)};
}

CvProject ReadProject(const Result& r, int row) {
  return CvProject{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2),
                   r.Text(row, 3), r.Int(row, 4),  r.Int(row, 5)};
}

CvTag ReadTag(const Result& r, int row) {
  return CvTag{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2), r.Text(row, 3),
               r.Text(row, 4), r.Int(row, 5),  r.Int(row, 6)};
}

CvIteration ReadIteration(const Result& r, int row) {
  CvIteration it;
  it.id = r.Text(row, 0);
  it.project_id = r.Text(row, 1);
  it.name = r.Text(row, 2);
  it.status = r.Text(row, 3);
  it.classification_type = r.Text(row, 4);
  it.created_ms = r.Int(row, 5);
  it.updated_ms = r.Int(row, 6);
  it.trained_ms = r.Int(row, 7);
  it.error = r.Text(row, 8);
  it.seed = static_cast<uint64_t>(r.Int(row, 9));
  it.feature_model = r.Text(row, 10);
  it.head_blob_key = r.Text(row, 11);
  it.performance_json = r.Text(row, 12);
  it.publish_name = r.Text(row, 13);
  it.prediction_resource_id = r.Text(row, 14);
  it.published_ms = r.Int(row, 15);
  it.owner = r.Text(row, 16);
  it.lease_until_ms = r.Int(row, 17);
  it.attempts = static_cast<int>(r.Int(row, 18));
  return it;
}

template <typename T>
std::vector<T> AllRows(const Result& r, T (*read)(const Result&, int)) {
  std::vector<T> out;
  for (int row = 0; row < r.rows(); ++row) out.push_back(read(r, row));
  return out;
}

Status NotFound(const char* what, const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no ", what, " '", id, "'"));
}

// The WHERE clause of an image query over cv_images i: $1 is the project,
// $2 the tag ids (a text[]; no filter when empty).
std::string ImageFilter(const CvImageQuery& q) {
  // $2 is always sent: an unused parameter would need its type stated.
  std::string sql = "i.project_id = $1 AND $2::text[] IS NOT NULL";
  const char* tagged =
      "EXISTS (SELECT 1 FROM cv_image_tags t WHERE t.project_id = i.project_id "
      "AND t.image_id = i.image_id";
  if (q.tagging == CvImageQuery::Tagging::kTagged) absl::StrAppend(&sql, " AND ", tagged, ")");
  if (q.tagging == CvImageQuery::Tagging::kUntagged) {
    absl::StrAppend(&sql, " AND NOT ", tagged, ")");
  }
  if (!q.tag_ids.empty()) absl::StrAppend(&sql, " AND ", tagged, " AND t.tag_id = ANY($2))");
  return sql;
}

class PostgresCustomVisionStore : public CustomVisionStore {
 public:
  explicit PostgresCustomVisionStore(const PostgresConfig& config) : pool_(config) {}

  pg::Pool& pool() { return pool_; }

  Status CreateProject(const CvProject& p) override {
    return Exec("INSERT INTO cv_projects (" OCULA_CV_PROJECT_COLUMNS
                ") VALUES ($1, $2, $3, $4, $5, $6)",
                Params()
                    .Text(p.id)
                    .Text(p.name)
                    .Text(p.description)
                    .Text(p.classification_type)
                    .Int(p.created_ms)
                    .Int(p.updated_ms))
        .status();
  }

  StatusOr<CvProject> GetProject(const std::string& id) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r, Exec("SELECT " OCULA_CV_PROJECT_COLUMNS " FROM cv_projects WHERE id = $1",
                       Params().Text(id)));
    if (r.rows() == 0) return NotFound("project", id);
    return ReadProject(r, 0);
  }

  StatusOr<std::vector<CvProject>> ListProjects() override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("SELECT " OCULA_CV_PROJECT_COLUMNS
                                          " FROM cv_projects ORDER BY created_ms, id"));
    return AllRows(r, ReadProject);
  }

  Status UpdateProject(const CvProject& p) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("UPDATE cv_projects SET name = $2, description = $3, "
                                          "classification_type = $4, updated_ms = $5 WHERE id = $1",
                                          Params()
                                              .Text(p.id)
                                              .Text(p.name)
                                              .Text(p.description)
                                              .Text(p.classification_type)
                                              .Int(p.updated_ms)));
    return r.affected() > 0 ? absl::OkStatus() : NotFound("project", p.id);
  }

  StatusOr<std::vector<std::string>> DeleteProject(const std::string& id) override {
    std::vector<std::string> keys;
    OCULA_RETURN_IF_ERROR(pool_.Transact([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(Result heads, db.Exec("SELECT head_blob_key FROM cv_iterations WHERE "
                                                   "project_id = $1 AND head_blob_key != ''",
                                                   Params().Text(id)));
      keys.clear();
      for (int row = 0; row < heads.rows(); ++row) keys.push_back(heads.Text(row, 0));
      OCULA_ASSIGN_OR_RETURN(Result r,
                             db.Exec("DELETE FROM cv_projects WHERE id = $1", Params().Text(id)));
      return r.affected() > 0 ? absl::OkStatus() : NotFound("project", id);
    }));
    return keys;
  }

  Status CreateTag(const CvTag& t) override {
    OCULA_RETURN_IF_ERROR(GetProject(t.project_id).status());
    return Exec(
               "INSERT INTO cv_tags (id, project_id, name, description, type, created_ms) "
               "VALUES ($1, $2, $3, $4, $5, $6)",
               Params()
                   .Text(t.id)
                   .Text(t.project_id)
                   .Text(t.name)
                   .Text(t.description)
                   .Text(t.type)
                   .Int(t.created_ms))
        .status();
  }

  StatusOr<CvTag> GetTag(const std::string& project_id, const std::string& tag_id) override {
    OCULA_ASSIGN_OR_RETURN(Result r,
                           Exec(OCULA_CV_TAG_SELECT " WHERE g.project_id = $1 AND g.id = $2",
                                Params().Text(project_id).Text(tag_id)));
    if (r.rows() == 0) return NotFound("tag", tag_id);
    return ReadTag(r, 0);
  }

  StatusOr<std::vector<CvTag>> ListTags(const std::string& project_id) override {
    OCULA_RETURN_IF_ERROR(GetProject(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Result r, Exec(OCULA_CV_TAG_SELECT " WHERE g.project_id = $1 ORDER BY g.created_ms, g.id",
                       Params().Text(project_id)));
    return AllRows(r, ReadTag);
  }

  Status UpdateTag(const CvTag& t) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec("UPDATE cv_tags SET name = $3, description = $4, "
             "type = $5 WHERE project_id = $1 AND id = $2",
             Params().Text(t.project_id).Text(t.id).Text(t.name).Text(t.description).Text(t.type)));
    return r.affected() > 0 ? absl::OkStatus() : NotFound("tag", t.id);
  }

  Status DeleteTag(const std::string& project_id, const std::string& tag_id) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("DELETE FROM cv_tags WHERE project_id = $1 AND id = $2",
                                          Params().Text(project_id).Text(tag_id)));
    return r.affected() > 0 ? absl::OkStatus() : NotFound("tag", tag_id);
  }

  Status AddImages(const std::string& project_id, const std::vector<CvImage>& images) override {
    OCULA_RETURN_IF_ERROR(GetProject(project_id).status());
    return pool_.Transact([&](Connection& db) -> Status {
      for (const CvImage& i : images) {
        OCULA_RETURN_IF_ERROR(db.Exec("INSERT INTO cv_images (project_id, image_id, created_ms, "
                                      "width, height) VALUES ($1, $2, $3, $4, $5) "
                                      "ON CONFLICT DO NOTHING",
                                      Params()
                                          .Text(project_id)
                                          .Text(i.image_id)
                                          .Int(i.created_ms)
                                          .Int(i.width)
                                          .Int(i.height))
                                  .status());
        for (const std::string& tag_id : i.tag_ids) {
          OCULA_ASSIGN_OR_RETURN(Result known,
                                 db.Exec("SELECT 1 FROM cv_tags WHERE project_id = $1 AND id = $2",
                                         Params().Text(project_id).Text(tag_id)));
          if (known.rows() == 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("tag '", tag_id, "' is not a tag of project '", project_id, "'"));
          }
          OCULA_RETURN_IF_ERROR(db.Exec("INSERT INTO cv_image_tags (project_id, image_id, "
                                        "tag_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                                        Params().Text(project_id).Text(i.image_id).Text(tag_id))
                                    .status());
        }
      }
      return absl::OkStatus();
    });
  }

  Status Untag(const std::string& project_id, const std::vector<std::string>& image_ids,
               const std::vector<std::string>& tag_ids) override {
    return Exec(
               "DELETE FROM cv_image_tags WHERE project_id = $1 AND image_id = ANY($2) "
               "AND tag_id = ANY($3)",
               Params().Text(project_id).TextArray(image_ids).TextArray(tag_ids))
        .status();
  }

  Status RemoveImages(const std::string& project_id,
                      const std::vector<std::string>& image_ids) override {
    return Exec("DELETE FROM cv_images WHERE project_id = $1 AND image_id = ANY($2)",
                Params().Text(project_id).TextArray(image_ids))
        .status();
  }

  StatusOr<std::vector<CvImage>> ListImages(const std::string& project_id,
                                            const CvImageQuery& q) override {
    OCULA_RETURN_IF_ERROR(GetProject(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec(absl::StrCat("SELECT i.image_id, i.created_ms, i.width, i.height, (SELECT "
                          "string_agg(tag_id, ',' ORDER BY tag_id) FROM cv_image_tags t WHERE "
                          "t.project_id = i.project_id AND t.image_id = i.image_id) FROM "
                          "cv_images i WHERE ",
                          ImageFilter(q),
                          " ORDER BY i.created_ms DESC, i.image_id DESC LIMIT $3 OFFSET $4"),
             Params().Text(project_id).TextArray(q.tag_ids).Int(q.take).Int(q.skip)));
    std::vector<CvImage> images;
    for (int row = 0; row < r.rows(); ++row) {
      CvImage image{r.Text(row, 0),
                    r.Int(row, 1),
                    static_cast<int>(r.Int(row, 2)),
                    static_cast<int>(r.Int(row, 3)),
                    {}};
      const std::string tags = r.Text(row, 4);
      if (!tags.empty()) image.tag_ids = absl::StrSplit(tags, ',');
      images.push_back(std::move(image));
    }
    return images;
  }

  StatusOr<int64_t> CountImages(const std::string& project_id, const CvImageQuery& q) override {
    OCULA_RETURN_IF_ERROR(GetProject(project_id).status());
    OCULA_ASSIGN_OR_RETURN(
        Result r, Exec(absl::StrCat("SELECT count(*) FROM cv_images i WHERE ", ImageFilter(q)),
                       Params().Text(project_id).TextArray(q.tag_ids)));
    return r.Int(0, 0);
  }

  Status PutFeatures(const std::string& image_id, const std::string& model,
                     const std::vector<float>& values) override {
    return Exec(
               "INSERT INTO cv_features (image_id, model, vector) VALUES ($1, $2, $3) "
               "ON CONFLICT (image_id, model) DO UPDATE SET vector = excluded.vector",
               Params().Text(image_id).Text(model).Bytes(std::string_view(
                   reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float))))
        .status();
  }

  StatusOr<std::map<std::string, std::vector<float>>> GetFeatures(
      const std::string& model, const std::vector<std::string>& image_ids) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("SELECT image_id, vector FROM cv_features WHERE "
                                          "model = $1 AND image_id = ANY($2)",
                                          Params().Text(model).TextArray(image_ids)));
    std::map<std::string, std::vector<float>> out;
    for (int row = 0; row < r.rows(); ++row) {
      const std::string blob = r.Bytes(row, 1);
      std::vector<float> values(blob.size() / sizeof(float));
      std::memcpy(values.data(), blob.data(), values.size() * sizeof(float));
      out.emplace(r.Text(row, 0), std::move(values));
    }
    return out;
  }

  Status CreateIteration(const CvIteration& it) override {
    OCULA_RETURN_IF_ERROR(GetProject(it.project_id).status());
    Status inserted = Exec("INSERT INTO cv_iterations (" OCULA_CV_ITERATION_COLUMNS
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                           "$14, $15, $16, $17, $18, $19)",
                           IterationParams(it))
                          .status();
    if (inserted.code() != StatusCode::kAlreadyExists) return inserted;
    // The id, or the one-training-per-project index?
    OCULA_ASSIGN_OR_RETURN(Result same,
                           Exec("SELECT 1 FROM cv_iterations WHERE id = $1", Params().Text(it.id)));
    if (same.rows() > 0) return inserted;
    return absl::FailedPreconditionError(
        absl::StrCat("project '", it.project_id, "' is training already"));
  }

  StatusOr<CvIteration> GetIteration(const std::string& project_id,
                                     const std::string& iteration_id) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("SELECT " OCULA_CV_ITERATION_COLUMNS
                                          " FROM cv_iterations WHERE project_id = $1 AND id = $2",
                                          Params().Text(project_id).Text(iteration_id)));
    if (r.rows() == 0) return NotFound("iteration", iteration_id);
    return ReadIteration(r, 0);
  }

  StatusOr<std::vector<CvIteration>> ListIterations(const std::string& project_id) override {
    OCULA_RETURN_IF_ERROR(GetProject(project_id).status());
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("SELECT " OCULA_CV_ITERATION_COLUMNS
                                          " FROM cv_iterations WHERE project_id = $1 "
                                          "ORDER BY created_ms, id",
                                          Params().Text(project_id)));
    return AllRows(r, ReadIteration);
  }

  Status RenameIteration(const std::string& project_id, const std::string& iteration_id,
                         const std::string& name) override {
    OCULA_ASSIGN_OR_RETURN(Result r,
                           Exec("UPDATE cv_iterations SET name = $3 WHERE project_id = $1 AND "
                                "id = $2",
                                Params().Text(project_id).Text(iteration_id).Text(name)));
    return r.affected() > 0 ? absl::OkStatus() : NotFound("iteration", iteration_id);
  }

  Status DeleteIteration(const std::string& project_id, const std::string& iteration_id) override {
    OCULA_ASSIGN_OR_RETURN(CvIteration it, GetIteration(project_id, iteration_id));
    if (!it.publish_name.empty() || !it.finished()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "iteration '", iteration_id, "' is ",
          it.finished() ? "published; unpublish it first" : "training; wait for it to end"));
    }
    return Exec(
               "DELETE FROM cv_iterations WHERE id = $1 AND publish_name = '' AND "
               "status != 'Training'",
               Params().Text(iteration_id))
        .status();
  }

  StatusOr<std::optional<CvIteration>> ClaimTraining(const std::string& owner, int64_t now_ms,
                                                     int64_t lease_until_ms) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec("UPDATE cv_iterations SET owner = $1, lease_until_ms = $3, attempts = attempts + 1 "
             "WHERE id = (SELECT id "
             "FROM cv_iterations WHERE status = 'Training' AND lease_until_ms <= $2 ORDER BY "
             "created_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING " OCULA_CV_ITERATION_COLUMNS,
             Params().Text(owner).Int(now_ms).Int(lease_until_ms)));
    if (r.rows() == 0) return std::optional<CvIteration>();
    return std::optional<CvIteration>(ReadIteration(r, 0));
  }

  StatusOr<bool> RenewTraining(const std::string& iteration_id, const std::string& owner,
                               int64_t lease_until_ms) override {
    OCULA_ASSIGN_OR_RETURN(Result r,
                           Exec("UPDATE cv_iterations SET lease_until_ms = $3 WHERE "
                                "id = $1 AND owner = $2 AND status = 'Training'",
                                Params().Text(iteration_id).Text(owner).Int(lease_until_ms)));
    return r.affected() > 0;
  }

  StatusOr<bool> FinishIteration(const CvIteration& it, const std::string& owner) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec("UPDATE cv_iterations SET status = $3, trained_ms = $4, updated_ms = $4, error = $5, "
             "head_blob_key = $6, performance_json = $7, feature_model = $8, lease_until_ms = 0 "
             "WHERE id = $1 AND owner = $2 AND status = 'Training'",
             Params()
                 .Text(it.id)
                 .Text(owner)
                 .Text(it.status)
                 .Int(it.trained_ms)
                 .Text(it.error)
                 .Text(it.head_blob_key)
                 .Text(it.performance_json)
                 .Text(it.feature_model)));
    return r.affected() > 0;
  }

  Status Publish(const std::string& project_id, const std::string& iteration_id,
                 const std::string& name, const std::string& prediction_resource_id,
                 int64_t now_ms) override {
    OCULA_ASSIGN_OR_RETURN(CvIteration it, GetIteration(project_id, iteration_id));
    if (it.status != "Completed") {
      return absl::FailedPreconditionError(
          absl::StrCat("iteration '", iteration_id, "' is ", it.status, ", not Completed"));
    }
    return Exec(
               "UPDATE cv_iterations SET publish_name = $2, prediction_resource_id = $3, "
               "published_ms = $4, updated_ms = $4 WHERE id = $1",
               Params().Text(iteration_id).Text(name).Text(prediction_resource_id).Int(now_ms))
        .status();
  }

  Status Unpublish(const std::string& project_id, const std::string& iteration_id) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("UPDATE cv_iterations SET publish_name = '', "
                                          "prediction_resource_id = '', published_ms = 0 WHERE "
                                          "project_id = $1 AND id = $2",
                                          Params().Text(project_id).Text(iteration_id)));
    return r.affected() > 0 ? absl::OkStatus() : NotFound("iteration", iteration_id);
  }

  StatusOr<CvIteration> GetPublished(const std::string& project_id,
                                     const std::string& name) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("SELECT " OCULA_CV_ITERATION_COLUMNS
                                          " FROM cv_iterations WHERE project_id = $1 AND "
                                          "publish_name = $2 AND publish_name != ''",
                                          Params().Text(project_id).Text(name)));
    if (r.rows() == 0) return NotFound("published iteration", name);
    return ReadIteration(r, 0);
  }

  Status SetPipeline(const std::string& project_id, const std::string& publish_name,
                     int64_t now_ms) override {
    OCULA_RETURN_IF_ERROR(GetProject(project_id).status());
    return Exec(
               "INSERT INTO cv_pipeline (project_id, publish_name, attached_ms) VALUES ($1, $2, "
               "$3) ON CONFLICT (project_id) DO UPDATE SET publish_name = "
               "excluded.publish_name, attached_ms = excluded.attached_ms",
               Params().Text(project_id).Text(publish_name).Int(now_ms))
        .status();
  }

  Status ClearPipeline(const std::string& project_id) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r, Exec("DELETE FROM cv_pipeline WHERE project_id = $1", Params().Text(project_id)));
    return r.affected() > 0 ? absl::OkStatus() : NotFound("pipeline attachment of", project_id);
  }

  StatusOr<CvPipeline> GetPipeline(const std::string& project_id) override {
    OCULA_ASSIGN_OR_RETURN(Result r, Exec("SELECT " OCULA_CV_PIPELINE_COLUMNS
                                          " FROM cv_pipeline WHERE project_id = $1",
                                          Params().Text(project_id)));
    if (r.rows() == 0) return NotFound("pipeline attachment of", project_id);
    return ReadPipeline(r, 0);
  }

  StatusOr<std::vector<CvIteration>> PipelineIterations() override {
    OCULA_ASSIGN_OR_RETURN(
        Result r, Exec("SELECT " OCULA_CV_ITERATION_COLUMNS
                       " FROM cv_iterations WHERE publish_name != '' AND (project_id, "
                       "publish_name) IN (SELECT project_id, publish_name FROM cv_pipeline) "
                       "ORDER BY project_id"));
    return AllRows(r, ReadIteration);
  }

  Status StartRerun(const std::string& project_id, int64_t total, int64_t now_ms) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec("UPDATE cv_pipeline SET rerun_status = 'Running', rerun_cursor = '', rerun_done = 0, "
             "rerun_total = $2, rerun_error = '', rerun_updated_ms = $3, owner = '', "
             "lease_until_ms = 0 WHERE project_id = $1 AND rerun_status != 'Running'",
             Params().Text(project_id).Int(total).Int(now_ms)));
    if (r.affected() > 0) return absl::OkStatus();
    OCULA_RETURN_IF_ERROR(GetPipeline(project_id).status());
    return absl::FailedPreconditionError("a re-run of this project's classifier is running");
  }

  StatusOr<std::optional<CvPipeline>> ClaimRerun(const std::string& owner, int64_t now_ms,
                                                 int64_t lease_until_ms) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec("UPDATE cv_pipeline SET owner = $1, lease_until_ms = $3 WHERE project_id = (SELECT "
             "project_id FROM cv_pipeline WHERE rerun_status = 'Running' AND lease_until_ms <= $2 "
             "ORDER BY rerun_updated_ms LIMIT 1 FOR UPDATE SKIP LOCKED) "
             "RETURNING " OCULA_CV_PIPELINE_COLUMNS,
             Params().Text(owner).Int(now_ms).Int(lease_until_ms)));
    if (r.rows() == 0) return std::optional<CvPipeline>();
    return std::optional<CvPipeline>(ReadPipeline(r, 0));
  }

  StatusOr<bool> SaveRerun(const CvPipeline& p, const std::string& owner) override {
    OCULA_ASSIGN_OR_RETURN(
        Result r,
        Exec("UPDATE cv_pipeline SET rerun_status = $3, rerun_cursor = $4, rerun_done = $5, "
             "rerun_error = $6, rerun_updated_ms = $7, lease_until_ms = $8 WHERE project_id = $1 "
             "AND owner = $2 AND rerun_status = 'Running'",
             Params()
                 .Text(p.project_id)
                 .Text(owner)
                 .Text(p.rerun_status)
                 .Text(p.rerun_cursor)
                 .Int(p.rerun_done)
                 .Text(p.rerun_error)
                 .Int(p.rerun_updated_ms)
                 .Int(p.lease_until_ms)));
    return r.affected() > 0;
  }

 private:
  // One statement on a pooled connection.
  StatusOr<Result> Exec(std::string_view sql, const Params& params = Params()) {
    std::optional<Result> result;
    OCULA_RETURN_IF_ERROR(pool_.Run([&](Connection& db) -> Status {
      OCULA_ASSIGN_OR_RETURN(Result r, db.Exec(sql, params));
      result.emplace(std::move(r));
      return absl::OkStatus();
    }));
    return std::move(*result);
  }

  static Params IterationParams(const CvIteration& it) {
    Params p;
    p.Text(it.id)
        .Text(it.project_id)
        .Text(it.name)
        .Text(it.status)
        .Text(it.classification_type)
        .Int(it.created_ms)
        .Int(it.updated_ms)
        .Int(it.trained_ms)
        .Text(it.error)
        .Int(static_cast<int64_t>(it.seed))
        .Text(it.feature_model)
        .Text(it.head_blob_key)
        .Text(it.performance_json)
        .Text(it.publish_name)
        .Text(it.prediction_resource_id)
        .Int(it.published_ms)
        .Text(it.owner)
        .Int(it.lease_until_ms)
        .Int(it.attempts);
    return p;
  }

  pg::Pool pool_;
};

}  // namespace

StatusOr<std::unique_ptr<CustomVisionStore>> OpenPostgresCustomVisionStore(
    const PostgresConfig& config) {
  auto store = std::make_unique<PostgresCustomVisionStore>(config);
  OCULA_RETURN_IF_ERROR(pg::ApplyMigrations(store->pool(), kMigrationsTable, kSteps, 0).status());
  return store;
}

}  // namespace ocula
