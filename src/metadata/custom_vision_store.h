// CustomVisionStore: custom classifiers' projects, tags, tagged images,
// image features and iterations (issue 24), in the metadata database, so that
// every api process sharing it serves them and a worker trains under a lease.
//
//   project    a named set of tags, Multiclass (one tag per image) or
//              Multilabel (any number);
//   tag        a class of a project;
//   image      an image of the gallery (by its Ocula id, no second copy of
//              the bytes) taken into a project, with its tags;
//   features   an image's feature vector for one feature model (the
//              RegionFeatures of the classifier), computed once, kept until
//              the image leaves every project;
//   iteration  one training run: immutable once Completed; its head's
//              weights are a blob (`head_blob_key`), its cross-validated
//              performance a JSON document; Published under a name, it
//              serves predictions.
//
// Training: CreateIteration refuses a second while one is Training (one
// run per project at a time); a worker takes a Training iteration with
// ClaimTraining under a lease like Read operations', renews it while it
// works, and records the outcome with FinishIteration. An iteration whose
// worker died is taken over when the lease runs out, so it never stays
// Training.
//
// Implementations: custom_vision_store_sqlite (in the metadata SQLite file).
// Every implementation passes tests/unit/storage/custom_vision_store_contract.h.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ocula {

struct CvProject {
  std::string id;    // a UUID
  std::string name;  // unique among projects
  std::string description;
  std::string classification_type = "Multiclass";  // or "Multilabel"
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct CvTag {
  std::string id;  // a UUID
  std::string project_id;
  std::string name;  // unique within the project
  std::string description;
  std::string type = "Regular";  // or "Negative"
  int64_t created_ms = 0;
  int64_t image_count = 0;  // filled on reads
};

struct CvImage {
  std::string image_id;    // the Ocula image id
  int64_t created_ms = 0;  // when taken into the project
  int width = 0;
  int height = 0;
  std::vector<std::string> tag_ids;  // sorted; empty = untagged
};

struct CvImageQuery {
  enum class Tagging { kAny, kTagged, kUntagged } tagging = Tagging::kAny;
  std::vector<std::string> tag_ids;  // when not empty: images with any of these
  int64_t skip = 0;
  int64_t take = 50;
};

struct CvIteration {
  std::string id;  // a UUID
  std::string project_id;
  std::string name;                 // "Iteration 1", ...; may be renamed
  std::string status = "Training";  // Training | Completed | Failed
  std::string classification_type;  // the project's when it was trained
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  int64_t trained_ms = 0;              // when Completed or Failed
  std::string error;                   // why it failed
  uint64_t seed = 0;                   // cross-validation folds
  std::string feature_model;           // the features it was trained on
  std::string head_blob_key;           // the head's weights, when Completed
  std::string performance_json;        // cross-validated figures, when Completed
  std::string publish_name;            // "" when not published
  std::string prediction_resource_id;  // as given at publish
  int64_t published_ms = 0;
  std::string owner;  // the worker training it
  int64_t lease_until_ms = 0;
  int attempts = 0;  // claims so far (ClaimTraining counts them)

  bool finished() const { return status != "Training"; }
};

// A project's classifier attached to the upload pipeline: the iteration
// published under `publish_name` adds its predictions to every image
// analysed from then on; a re-run applies it to the images analysed before,
// under a lease like training, resumable from its cursor.
struct CvPipeline {
  std::string project_id;
  std::string publish_name;
  int64_t attached_ms = 0;
  std::string rerun_status;  // "" (none asked for), Running, Completed or Failed
  std::string rerun_cursor;  // the last image done ("" = none yet; ids descend)
  int64_t rerun_done = 0;
  int64_t rerun_total = 0;  // images to do, counted when it started
  std::string rerun_error;
  int64_t rerun_updated_ms = 0;
  std::string owner;  // the worker running the re-run
  int64_t lease_until_ms = 0;
};

class CustomVisionStore {
 public:
  virtual ~CustomVisionStore() = default;

  // Projects. CreateProject: AlreadyExists when the id or name is taken.
  // UpdateProject changes name, description and classification type
  // (AlreadyExists for another project's name). DeleteProject removes its
  // tags, images and iterations and returns the head blob keys to delete.
  // NotFound for an absent project throughout.
  virtual Status CreateProject(const CvProject& project) = 0;
  virtual StatusOr<CvProject> GetProject(const std::string& id) = 0;
  virtual StatusOr<std::vector<CvProject>> ListProjects() = 0;
  virtual Status UpdateProject(const CvProject& project) = 0;
  virtual StatusOr<std::vector<std::string>> DeleteProject(const std::string& id) = 0;

  // Tags, with their image counts. CreateTag: AlreadyExists for a name the
  // project has; UpdateTag changes name, description and type. DeleteTag
  // untags its images.
  virtual Status CreateTag(const CvTag& tag) = 0;
  virtual StatusOr<CvTag> GetTag(const std::string& project_id, const std::string& tag_id) = 0;
  virtual StatusOr<std::vector<CvTag>> ListTags(const std::string& project_id) = 0;
  virtual Status UpdateTag(const CvTag& tag) = 0;
  virtual Status DeleteTag(const std::string& project_id, const std::string& tag_id) = 0;

  // Images. AddImages takes images into the project (again: their tags are
  // added to those they have) in one transaction; InvalidArgument when a
  // tag is not the project's. Untag removes the given tags of the given
  // images; RemoveImages takes images out of the project (not the gallery).
  virtual Status AddImages(const std::string& project_id, const std::vector<CvImage>& images) = 0;
  virtual Status Untag(const std::string& project_id, const std::vector<std::string>& image_ids,
                       const std::vector<std::string>& tag_ids) = 0;
  virtual Status RemoveImages(const std::string& project_id,
                              const std::vector<std::string>& image_ids) = 0;
  // Newest first (by created_ms, then id).
  virtual StatusOr<std::vector<CvImage>> ListImages(const std::string& project_id,
                                                    const CvImageQuery& query) = 0;
  virtual StatusOr<int64_t> CountImages(const std::string& project_id,
                                        const CvImageQuery& query) = 0;

  // Feature vectors by (image, feature model). GetFeatures returns those it
  // has, by image id.
  virtual Status PutFeatures(const std::string& image_id, const std::string& model,
                             const std::vector<float>& values) = 0;
  virtual StatusOr<std::map<std::string, std::vector<float>>> GetFeatures(
      const std::string& model, const std::vector<std::string>& image_ids) = 0;

  // Iterations. CreateIteration: FailedPrecondition when the project has a
  // Training iteration already; AlreadyExists for a taken id.
  virtual Status CreateIteration(const CvIteration& iteration) = 0;
  virtual StatusOr<CvIteration> GetIteration(const std::string& project_id,
                                             const std::string& iteration_id) = 0;
  // Oldest first.
  virtual StatusOr<std::vector<CvIteration>> ListIterations(const std::string& project_id) = 0;
  virtual Status RenameIteration(const std::string& project_id, const std::string& iteration_id,
                                 const std::string& name) = 0;
  // FailedPrecondition while it is published or Training.
  virtual Status DeleteIteration(const std::string& project_id,
                                 const std::string& iteration_id) = 0;

  // A Training iteration (of any project) whose lease has run out, leased
  // to `owner` until `lease_until_ms`, its `attempts` counted up by one;
  // nullopt when there is none.
  virtual StatusOr<std::optional<CvIteration>> ClaimTraining(const std::string& owner,
                                                             int64_t now_ms,
                                                             int64_t lease_until_ms) = 0;
  // Extends `owner`'s lease; false when it lost it (taken over, finished).
  virtual StatusOr<bool> RenewTraining(const std::string& iteration_id, const std::string& owner,
                                       int64_t lease_until_ms) = 0;
  // Records the outcome (status Completed or Failed, trained_ms, error,
  // head_blob_key, performance_json, feature_model) when `owner` still holds
  // the lease; false otherwise (the outcome is dropped).
  virtual StatusOr<bool> FinishIteration(const CvIteration& outcome, const std::string& owner) = 0;

  // Publishes a Completed iteration under `name` (unique within the
  // project: AlreadyExists for another iteration's name; FailedPrecondition
  // when it is not Completed). Unpublish clears the name.
  virtual Status Publish(const std::string& project_id, const std::string& iteration_id,
                         const std::string& name, const std::string& prediction_resource_id,
                         int64_t now_ms) = 0;
  virtual Status Unpublish(const std::string& project_id, const std::string& iteration_id) = 0;
  // The iteration published under `name`; NotFound when none is.
  virtual StatusOr<CvIteration> GetPublished(const std::string& project_id,
                                             const std::string& name) = 0;

  // The pipeline attachment of a project (one at most). SetPipeline attaches
  // (or changes the name, keeping a re-run's state); NotFound for an absent
  // project. ClearPipeline and GetPipeline: NotFound when none is attached.
  virtual Status SetPipeline(const std::string& project_id, const std::string& publish_name,
                             int64_t now_ms) = 0;
  virtual Status ClearPipeline(const std::string& project_id) = 0;
  virtual StatusOr<CvPipeline> GetPipeline(const std::string& project_id) = 0;
  // The iterations the pipeline runs: for each attachment, the iteration
  // published under its name now (attachments with none are left out).
  virtual StatusOr<std::vector<CvIteration>> PipelineIterations() = 0;

  // Asks for a re-run of the project's attachment over `total` images:
  // Running from the start. NotFound without an attachment;
  // FailedPrecondition while one is Running.
  virtual Status StartRerun(const std::string& project_id, int64_t total, int64_t now_ms) = 0;
  // A Running re-run whose lease has run out, leased to `owner`; nullopt
  // when there is none.
  virtual StatusOr<std::optional<CvPipeline>> ClaimRerun(const std::string& owner,
                                                         int64_t now_ms,
                                                         int64_t lease_until_ms) = 0;
  // Records `progress` (cursor, done, status, error, updated and lease
  // times) when `owner` holds the Running re-run; false otherwise.
  virtual StatusOr<bool> SaveRerun(const CvPipeline& progress, const std::string& owner) = 0;
};

// Opens (creating) the custom vision tables in the SQLite database file at
// `db_path` (the metadata database).
StatusOr<std::unique_ptr<CustomVisionStore>> OpenSqliteCustomVisionStore(
    const std::string& db_path);

}  // namespace ocula
