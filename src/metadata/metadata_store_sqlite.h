// The embedded MetadataStore: image documents, embeddings and the outbox in
// one SQLite database file (WAL mode). Several processes may open the same file.
//
// Durability (sqlite_file.h): CreateImage and DeleteImage are durable when
// they return (the log is fsynced, shared with concurrent callers);
// SetResult and PutEmbedding too, unless the embedded queue is in the same
// file (then they become durable no later than the ack of their event);
// MarkProcessing and MarkRelayed survive a crash of the process, and a power
// loss once a later write syncs.
//
// Connections: one writer connection behind a mutex (SQLite allows one writer
// at a time anyway; serializing in process avoids busy-waiting on its file
// lock) and a small pool of reader connections, which WAL lets run alongside
// the writer, each used by one thread at a time.
//
// Listing is newest first by id (ULIDs sort by creation time); `limit` is
// clamped to [1, 1000]; the cursor is the last id of the previous page.
// MarkProcessing moves only pending images (done and failed ones are left as
// they are, so a redelivered event does not hide a finished result).
// SetResult keeps the stored metadata_json when the result's is "".
// Errors: Unavailable when the database stays locked by another process
// past the busy timeout; ResourceExhausted with reason InsufficientStorage
// when the disk is full; Internal for other SQLite errors.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "core/uri.h"
#include "metadata/metadata_store.h"

namespace ocula {

// Opens (creating when missing) the database at `db_path` and applies any
// pending schema migrations. `clock` stamps created_ms/updated_ms and must
// outlive the store. FailedPrecondition when the schema is newer than this
// build; Internal/Unavailable when the file cannot be opened.
StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteMetadataStore(const std::string& db_path,
                                                                 Clock& clock = Clock::Real());

// The file path of a "sqlite://" URI: "sqlite:///var/lib/ocula/ocula.db" ->
// "/var/lib/ocula/ocula.db"; "sqlite://data/ocula.db" -> "data/ocula.db"
// (relative). InvalidArgument for another scheme or an empty path.
StatusOr<std::string> SqliteDbPathFromUri(const Uri& uri);

}  // namespace ocula
