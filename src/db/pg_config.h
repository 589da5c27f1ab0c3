// How Ocula reaches a PostgreSQL server: shared by the PostgreSQL-backed
// stores (metadata_store_postgres, auth/key_store_postgres). Light on
// purpose: no libpq here.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

struct PostgresConfig {
  // A libpq connection URI without a password, e.g.
  // "postgresql://ocula@db.internal:5432/ocula?sslmode=verify-full".
  // Any libpq URI parameter is allowed (sslmode, sslrootcert, options,
  // target_session_attrs...).
  std::string conninfo;
  // A file holding only the password (e.g. a container secret), read at each
  // connect so that a rotated password is picked up. "" = libpq's own sources:
  // PGPASSWORD, then PGPASSFILE / ~/.pgpass.
  std::string password_file;

  size_t pool_size = 8;  // at most this many connections per store
  // A call that meets a transient error (connection lost, server restarting,
  // serialization failure, deadlock) is retried from the start this many
  // times in all, with exponential backoff, then fails with Unavailable.
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{1000};
  // How long a call waits for a free connection when all are lent out.
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};  // libpq rounds up to whole seconds, min 2 s
  std::chrono::milliseconds statement_timeout{30000};
  // How long an outbox event handed to one store instance's relay stays
  // hidden from the others (metadata_store_postgres.h).
  std::chrono::milliseconds outbox_lease{30000};
};

// The config of a "postgresql://" (or "postgres://") URI. Ocula's own query
// parameters are taken out of it: pool_size=N, password_file=PATH; the rest
// is left to libpq. InvalidArgument for another scheme, a URI libpq cannot
// parse, or a password in the URI (which would end up in config files,
// process listings and logs: use PGPASSWORD or a password file instead).
StatusOr<PostgresConfig> PostgresConfigFromUri(std::string_view uri);

// "postgresql://user@host:port/dbname": the conninfo without any secret or
// option, for logs.
std::string RedactedConninfo(std::string_view conninfo);

}  // namespace ocula
