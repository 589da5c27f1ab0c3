// Versioned schema migrations on PostgreSQL: each component passes its own
// steps and table. Future versions append steps; released steps never change.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"
#include "db/pg_conn.h"

namespace ocula::pg {

// Brings the schema (in the connection's search_path) up to date: `steps[i]`
// is schema version i+1, recorded in table `migrations_table` (created when
// missing). Everything runs in one transaction holding a database-wide
// advisory lock, so that processes starting at once apply each step exactly
// once, and a failure leaves the old version. `migrations_table` is a trusted
// identifier, not user input. Returns the number of steps applied now.
// FailedPrecondition when the database is at a version newer than `steps`.
StatusOr<int> ApplyMigrations(Pool& pool, std::string_view migrations_table,
                              std::span<const std::string_view> steps, int64_t now_ms);

}  // namespace ocula::pg
