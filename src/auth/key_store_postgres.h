// The KeyStore on PostgreSQL: the same tables as key_store_sqlite, in the
// metadata database (and schema) when the metadata URI is postgresql://, so
// that every api process sees keys, revocations and used upload URLs of the
// others. Connections, retries and error mapping as in metadata/pg_conn.h.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>

#include "auth/key_store.h"
#include "core/status.h"
#include "db/pg_config.h"

namespace ocula {

// Connects and creates or upgrades the key tables (migrations recorded in
// "auth_migrations", safe when several processes start at once).
// Unavailable when the server cannot be reached.
StatusOr<std::unique_ptr<KeyStore>> OpenPostgresKeyStore(const PostgresConfig& config);

}  // namespace ocula
