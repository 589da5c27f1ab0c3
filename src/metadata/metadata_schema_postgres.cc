// The metadata store's schema on PostgreSQL: one step per version,
// appended, never changed once released.
#include "metadata/metadata_schema.h"

namespace ocula {

namespace {

// Version 1: the same model as the SQLite store's versions 1 and 2.
//  - Identifiers and label names use the "C" collation: ULIDs must sort by
//    bytes (newest-first paging, the cursor) whatever the database locale.
//  - metadata/analysis/error are jsonb (NULL when absent), so malformed JSON
//    is refused and labels are read from analysis in SQL.
//  - outbox.seq keeps insertion order; claimed_by/claimed_until lease events
//    to one store instance's relay (metadata_store_postgres.h).
//  - image_labels and image_changes are kept by triggers, so no write path
//    can forget them. The change log keeps the latest 10,000 entries, pruned
//    on each new image.
//  - Change-log writers take advisory lock 42420002 until they commit, before
//    drawing a seq: seqs then become visible in order, so a reader following
//    "seq > last seen" never skips a change that commits late. (This
//    serializes image writes the way SQLite's single writer does.)
constexpr std::string_view kV1 = R"sql(
CREATE TABLE images (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'done', 'failed')),
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  filename TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  metadata JSONB,
  analysis JSONB,
  error JSONB,
  pipeline_version TEXT NOT NULL DEFAULT '',
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX images_status_id ON images (status, id);

CREATE TABLE embeddings (
  image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BYTEA NOT NULL,
  PRIMARY KEY (image_id, model)
);

CREATE TABLE outbox (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  image_id TEXT COLLATE "C",
  relayed BOOLEAN NOT NULL DEFAULT false,
  claimed_by TEXT,
  claimed_until TIMESTAMPTZ
);
CREATE INDEX outbox_pending ON outbox (created_ms, seq) WHERE NOT relayed;
CREATE INDEX outbox_image ON outbox (image_id);

CREATE TABLE image_labels (
  kind TEXT NOT NULL CHECK (kind IN ('tag', 'category')),
  name TEXT COLLATE "C" NOT NULL,
  image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  PRIMARY KEY (kind, name, image_id)
);
CREATE INDEX image_labels_image ON image_labels (image_id);

-- The {"name": "..."} entries of analysis.tags / analysis.categories;
-- anything else (absent, not an array, entries without a string name) is skipped.
CREATE FUNCTION ocula_label_names(analysis JSONB, field TEXT) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT entry->>'name'
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(analysis->field) = 'array'
                                 THEN analysis->field ELSE '[]'::jsonb END) AS entry
  WHERE jsonb_typeof(entry->'name') = 'string'
$$;

CREATE FUNCTION ocula_index_labels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM image_labels WHERE image_id = NEW.id;
  INSERT INTO image_labels (kind, name, image_id)
    SELECT 'tag', name, NEW.id FROM ocula_label_names(NEW.analysis, 'tags') AS name
    UNION
    SELECT 'category', name, NEW.id FROM ocula_label_names(NEW.analysis, 'categories') AS name;
  RETURN NULL;
END
$$;
CREATE TRIGGER images_labels AFTER INSERT OR UPDATE OF analysis ON images
  FOR EACH ROW EXECUTE FUNCTION ocula_index_labels();

CREATE TABLE image_changes (
  seq BIGSERIAL PRIMARY KEY,
  image_id TEXT NOT NULL,
  status TEXT NOT NULL
);

CREATE FUNCTION ocula_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(42420002);
  IF TG_OP = 'DELETE' THEN
    INSERT INTO image_changes (image_id, status) VALUES (OLD.id, 'deleted');
  ELSE
    INSERT INTO image_changes (image_id, status) VALUES (NEW.id, NEW.status);
  END IF;
  IF TG_OP = 'INSERT' THEN
    DELETE FROM image_changes WHERE seq <= (SELECT MAX(seq) FROM image_changes) - 10000;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER images_change_insert_delete AFTER INSERT OR DELETE ON images
  FOR EACH ROW EXECUTE FUNCTION ocula_log_change();
CREATE TRIGGER images_change_update AFTER UPDATE OF status, version ON images
  FOR EACH ROW EXECUTE FUNCTION ocula_log_change();
)sql";

// Version 2: the relay's prune ("relayed AND created_ms < $1", after every
// batch) had no index and read the whole outbox table.
constexpr std::string_view kV2 = R"sql(
CREATE INDEX outbox_relayed ON outbox (created_ms) WHERE relayed;
)sql";

constexpr std::string_view kSteps[] = {kV1, kV2};

}  // namespace

std::span<const std::string_view> PostgresMetadataMigrations() { return kSteps; }

}  // namespace ocula
