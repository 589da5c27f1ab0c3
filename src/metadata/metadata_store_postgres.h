// The scale-out MetadataStore on PostgreSQL (15 or newer): image documents
// (metadata, analysis and error as jsonb), embeddings, the outbox, the label
// index and the change log, shared by any number of Ocula processes.
//
// Behaves as metadata_store_sqlite.h describes (newest-first listing with
// the last id as cursor, `limit` clamped to [1, 1000]; MarkProcessing moves
// only pending images; SetResult keeps metadata_json when the result's is
// ""; change log of the latest 10,000 entries with gap detection), with these
// differences:
//  - JSON fields come back as PostgreSQL writes jsonb: the same JSON value,
//    but whitespace and key order may differ from what was stored, and
//    malformed JSON is refused with InvalidArgument.
//  - Outbox: PendingOutbox leases the events it returns to this store
//    instance (SELECT ... FOR UPDATE SKIP LOCKED) for config.outbox_lease, so
//    that relays in several processes never hand out the same event at the
//    same time. This instance sees its own leased events again on the next
//    call (a relay that failed to publish retries them); other instances see
//    them once MarkRelayed is not called within the lease (a crashed relay).
//  - Change-log seqs may skip numbers (a rolled-back write uses one up).
// Errors: Unavailable when the server stays unreachable (or the transaction
// keeps failing transiently) after the retries in pg_conn.h, or when a
// connection broke while committing (the write may or may not have
// happened); ResourceExhausted with reason InsufficientStorage when the
// server's disk is full; Internal for other server errors.
//
// Thread-safety: safe for concurrent use (a pool of config.pool_size
// connections).
#pragma once

#include <memory>

#include "core/clock.h"
#include "core/status.h"
#include "db/pg_config.h"
#include "metadata/metadata_store.h"

namespace ocula {

// Connects, applies pending schema migrations (safe when several processes
// start at once) and returns the store. The schema lives in the connection's
// search_path (normally "public"; set another with
// options=-csearch_path%3Dname in the URI). `clock` stamps
// created_ms/updated_ms and must outlive the store. Unavailable when the
// server cannot be reached; FailedPrecondition when the schema is newer than
// this build.
StatusOr<std::unique_ptr<MetadataStore>> OpenPostgresMetadataStore(const PostgresConfig& config,
                                                                   Clock& clock = Clock::Real());

}  // namespace ocula
