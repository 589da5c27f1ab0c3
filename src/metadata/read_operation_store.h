// ReadOperationStore: the Computer Vision Read operations (POST
// /vision/v3.2/read/analyze, polled at .../analyzeResults/{id}), kept in the
// metadata database so that they survive a restart and every api process
// sharing the database answers a poll. The image itself waits in the blob
// store under `blob_key` (api/read_operations.h owns both).
//
// An unfinished operation is leased to one process (`owner`, a random id per
// process start) until `lease_until_ms`: the owner runs it; once the lease has
// run out (the owner crashed, or released it at shutdown) any process may
// claim it and run it again. Running an operation twice is harmless: the
// first outcome recorded wins.
//
// Implementations: read_operation_store_sqlite (in the metadata SQLite file);
// read_operation_store_postgres (in the PostgreSQL metadata database). Every
// implementation passes tests/unit/storage/read_operation_store_contract.h.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace ocula {

struct ReadOperationRecord {
  std::string id;                     // a UUID
  std::string status = "notStarted";  // notStarted | running | succeeded | failed
  std::string language;               // as asked for, e.g. "en"
  std::string blob_key;               // where the image waits
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string owner;             // the process holding the lease
  int64_t lease_until_ms = 0;    // the lease runs out then
  std::string read_result_json;  // ReadResultJson of the page, when succeeded
  std::string model_version;     // when finished
  std::string error_code;        // when failed
  std::string error_message;

  bool finished() const { return status == "succeeded" || status == "failed"; }
};

class ReadOperationStore {
 public:
  virtual ~ReadOperationStore() = default;

  // Stores a new operation as given. AlreadyExists when the id is taken.
  virtual Status Insert(const ReadOperationRecord& operation) = 0;
  // NotFound when absent (never stored, or expired).
  virtual StatusOr<ReadOperationRecord> Get(const std::string& id) = 0;

  // Leases the unfinished operation `id` to `owner` until `lease_until_ms`
  // when `owner` holds it already or its lease has run out (lease_until_ms <=
  // now_ms); with `start`, also marks it running. True when claimed; false
  // when it is finished, absent, or leased to another owner.
  virtual StatusOr<bool> Claim(const std::string& id, const std::string& owner, int64_t now_ms,
                               int64_t lease_until_ms, bool start) = 0;

  // Records the outcome of `outcome.id` (status succeeded or failed, result,
  // model version, error, updated_ms) unless one is recorded already (then
  // OK, and the first stays). NotFound when absent.
  virtual Status Finish(const ReadOperationRecord& outcome) = 0;

  // Unfinished operations whose lease has run out, oldest first, at most
  // `limit`.
  virtual StatusOr<std::vector<ReadOperationRecord>> Abandoned(int64_t now_ms, size_t limit) = 0;

  // Ends the leases `owner` holds on unfinished operations (at shutdown), so
  // that the next process to look takes them at once.
  virtual Status Release(const std::string& owner) = 0;

  // Deletes the operations created before `created_before_ms`, and the
  // oldest finished ones beyond the newest `keep`. Returns the blob keys of
  // the deleted operations (their images, if still there, are the caller's
  // to delete).
  virtual StatusOr<std::vector<std::string>> Expire(int64_t created_before_ms, size_t keep) = 0;
};

// Opens (creating) the Read operation table in the SQLite database file at
// `db_path` (the metadata database).
StatusOr<std::unique_ptr<ReadOperationStore>> OpenSqliteReadOperationStore(
    const std::string& db_path);

}  // namespace ocula
