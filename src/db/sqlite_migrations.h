// Versioned schema migrations for an SQLite database: each component that
// keeps tables in the file (metadata store, event queue, key store) passes
// its own steps and table. Future versions append steps; released steps
// never change.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"
#include "db/sqlite_db.h"

namespace ocula::sqlite {

// Brings the schema up to date: `steps[i]` is schema version i+1. Each step
// not yet recorded in table `migrations_table` (created when missing) runs in
// its own transaction together with the row recording it, so a crash leaves
// either the old or the new version, and concurrent openers apply each step
// once. `migrations_table` is a trusted identifier, not user input.
// Returns the number of steps applied now (0 when already up to date).
// FailedPrecondition when the database has a version newer than `steps`
// (written by a newer Ocula).
StatusOr<int> ApplyMigrations(Connection& connection, std::string_view migrations_table,
                              std::span<const std::string_view> steps, int64_t now_ms);

}  // namespace ocula::sqlite
