// The embedded EventBus: a durable queue in SQLite tables ("queue",
// "dead_letters", "queue_acked"), normally in the same database file as the
// metadata store; its schema has its own migration table,
// "queue_schema_migrations", so the two coexist in one file.
//
// Ordering: Receive leases the message of the topic that has been visible the
// longest (FIFO for first deliveries; ties in publish order).
// Deduplication: Publish drops an id that is queued, dead-lettered, or was
// acked within the last 24 hours.
// Expiry: a lease that expires after max_attempts deliveries sends the message
// to the dead-letter list ("visibility timeout expired after N attempts")
// instead of delivering it again. Nack/DeadLetterNow/Ack with a receipt that
// is no longer current return FailedPrecondition.
// DeadLetters lists the most recent first.
// Durability (metadata/sqlite_file.h): Publish is durable when it returns,
// or, when the metadata store is in the same file, no later than the
// store's next write (the relay's mark); leases, acks and nacks survive a
// crash of the process, and a power loss once a later write syncs (a lost
// ack means one redelivery).
// Waiting: Receive is woken at once by Publish/Nack in this process and polls
// every 50 ms for messages published by other processes or made visible by
// the passing of time. Visibility and backoff use the given Clock; the wait
// itself is in real time.
//
// Thread-safety: safe for concurrent use; several processes may share the file.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "events/event_bus.h"

namespace ocula {

// Opens (creating when missing) the queue in the database at `db_path` and
// applies its schema migrations. `clock` must outlive the bus.
// InvalidArgument for non-positive visibility_timeout or max_attempts < 1.
StatusOr<std::unique_ptr<EventBus>> OpenSqliteEventBus(const std::string& db_path,
                                                       const EventBusOptions& options,
                                                       Clock& clock = Clock::Real());

}  // namespace ocula
