// The metadata store's schema steps, one list per database, applied with
// db/sqlite_migrations.h and db/pg_migrations.h. Each list only grows: step i
// is schema version i+1, and a released step never changes.
#pragma once

#include <span>
#include <string_view>

namespace ocula {

// Recorded in table "schema_migrations" of the SQLite file.
inline constexpr std::string_view kMetadataMigrationsTable = "schema_migrations";
std::span<const std::string_view> MetadataMigrations();

// Recorded in table "schema_migrations" of the PostgreSQL schema.
inline constexpr std::string_view kPostgresMetadataMigrationsTable = "schema_migrations";
std::span<const std::string_view> PostgresMetadataMigrations();

}  // namespace ocula
