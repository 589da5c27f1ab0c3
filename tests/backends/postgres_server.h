// A throwaway PostgreSQL cluster for integration tests: a copy of a cluster
// made once by initdb (the temp directory's ocula-test-postgres-template-v1)
// in a temp dir, `postgres` on a free loopback port (fsync on, as in production), a
// database "ocula" reached with a password over TCP. The binaries come from
// OCULA_PG_BINDIR or /usr/lib/postgresql/15/bin (scripts/deps.sh installs
// them); when missing, Start fails with a message saying so (tests never skip).
//
// PostgreSQL refuses to run as root: when the tests run as root (CI, this
// machine), initdb and postgres run as the `postgres` system user (created by
// the Debian package), which owns the temp dir (root can still remove it)
// and the template.
// The server gets SIGINT (fast shutdown) if the test process dies, so a
// crashed test leaves no server behind.
//
// Thread-safety: not thread-safe; Start/Stop/Restart from the main thread
// (the server is a child of the thread that started it).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/status.h"
#include "db/pg_config.h"
#include "storage/temp_dir.h"

namespace ocula::testing {

class PostgresServer {
 public:
  static StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();  // stops the server; the temp dir goes with it
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Fast shutdown: open connections are cut, as in a server restart.
  Status Stop();
  // Starts the server (again) on the same port and data dir; stops it first
  // when it runs.
  Status Restart();
  int port() const { return port_; }

  // Runs `sql` as the superuser in database "ocula" (over the local socket).
  Status Exec(const std::string& sql);
  // Creates a new empty schema and returns its name.
  StatusOr<std::string> NewSchema();
  // A config for database "ocula" over TCP with password authentication,
  // whose objects live in `schema` (via search_path).
  PostgresConfig ConfigFor(const std::string& schema) const;

 private:
  PostgresServer() = default;

  TempDir dir_;
  std::string bin_dir_;
  std::string password_file_;
  int port_ = 0;
  pid_t pid_ = -1;  // -1 when stopped
  int schemas_ = 0;
};

// The cluster shared by the tests of this binary, started on first use and
// stopped at exit. Each test takes a fresh schema (NewSchema) to stay apart.
StatusOr<PostgresServer*> SharedPostgresServer();

}  // namespace ocula::testing
