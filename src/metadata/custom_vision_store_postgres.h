// CustomVisionStore in the PostgreSQL metadata database, shared by every
// api and worker process (custom_vision_store.h). Errors as
// metadata_store_postgres.h describes.
//
// Thread-safety: safe for concurrent use (its own connection pool).
#pragma once

#include <memory>

#include "core/status.h"
#include "db/pg_config.h"
#include "metadata/custom_vision_store.h"

namespace ocula {

// Connects and applies pending schema migrations (safe when several
// processes start at once).
StatusOr<std::unique_ptr<CustomVisionStore>> OpenPostgresCustomVisionStore(
    const PostgresConfig& config);

}  // namespace ocula
