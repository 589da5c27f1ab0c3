// The metadata store's schema on SQLite: one step per version, appended,
// never changed once released.
#include "metadata/metadata_schema.h"

namespace ocula {

namespace {
// Version 1: images, embeddings, outbox.
//  - images_status_id serves "status = ? ORDER BY id DESC"; the primary key
//    index on id serves unfiltered newest-first listing (ids are ULIDs, which
//    sort by creation time).
//  - idempotency_key is NULL when the upload had none (UNIQUE allows many NULLs).
//  - outbox_pending serves "relayed = 0 ORDER BY rowid" (insertion order).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE images (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'done', 'failed')),
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  metadata_json TEXT NOT NULL DEFAULT '',
  analysis_json TEXT NOT NULL DEFAULT '',
  error_json TEXT NOT NULL DEFAULT '',
  pipeline_version TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX images_status_id ON images (status, id);
CREATE TABLE embeddings (
  image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (image_id, model)
);
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  relayed INTEGER NOT NULL DEFAULT 0,
  image_id TEXT
);
CREATE INDEX outbox_pending ON outbox (relayed);
CREATE INDEX outbox_image ON outbox (image_id);
)sql";

// Version 2: the uploader's file name; labels for filtering lists, and the
// change log behind the live event stream. Both are kept by triggers, so no
// write path can forget them.
//  - image_labels holds the tag and category names of each analysed image
//    (from analysis_json); its primary key serves "kind = ? AND name = ?
//    ORDER BY image_id DESC" and the per-name counts.
//  - image_changes gets a row whenever an image is created, changes status or
//    version, or is deleted ('deleted'); readers follow it by seq. Only the
//    latest 10,000 rows are kept: pruned on each new image.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE images ADD COLUMN filename TEXT NOT NULL DEFAULT '';

CREATE TABLE image_labels (
  kind TEXT NOT NULL CHECK (kind IN ('tag', 'category')),
  name TEXT NOT NULL,
  image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  PRIMARY KEY (kind, name, image_id)
) WITHOUT ROWID;
CREATE INDEX image_labels_image ON image_labels (image_id);
CREATE TRIGGER images_labels AFTER UPDATE OF analysis_json ON images
BEGIN
  DELETE FROM image_labels WHERE image_id = new.id;
  INSERT OR IGNORE INTO image_labels (kind, name, image_id)
    SELECT 'tag', json_extract(value, '$.name'), new.id
    FROM json_each(CASE WHEN json_valid(new.analysis_json) THEN new.analysis_json ELSE '{}' END,
                   '$.tags')
    WHERE CASE WHEN type = 'object' THEN json_type(value, '$.name') END = 'text';
  INSERT OR IGNORE INTO image_labels (kind, name, image_id)
    SELECT 'category', json_extract(value, '$.name'), new.id
    FROM json_each(CASE WHEN json_valid(new.analysis_json) THEN new.analysis_json ELSE '{}' END,
                   '$.categories')
    WHERE CASE WHEN type = 'object' THEN json_type(value, '$.name') END = 'text';
END;
INSERT OR IGNORE INTO image_labels (kind, name, image_id)
  SELECT 'tag', json_extract(t.value, '$.name'), images.id
  FROM images, json_each(CASE WHEN json_valid(images.analysis_json) THEN images.analysis_json
                         ELSE '{}' END, '$.tags') AS t
  WHERE CASE WHEN t.type = 'object' THEN json_type(t.value, '$.name') END = 'text';
INSERT OR IGNORE INTO image_labels (kind, name, image_id)
  SELECT 'category', json_extract(c.value, '$.name'), images.id
  FROM images, json_each(CASE WHEN json_valid(images.analysis_json) THEN images.analysis_json
                         ELSE '{}' END, '$.categories') AS c
  WHERE CASE WHEN c.type = 'object' THEN json_type(c.value, '$.name') END = 'text';

CREATE TABLE image_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  image_id TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE TRIGGER images_change_insert AFTER INSERT ON images
BEGIN
  INSERT INTO image_changes (image_id, status) VALUES (new.id, new.status);
  DELETE FROM image_changes WHERE seq <= (SELECT MAX(seq) FROM image_changes) - 10000;
END;
CREATE TRIGGER images_change_update AFTER UPDATE OF status, version ON images
BEGIN
  INSERT INTO image_changes (image_id, status) VALUES (new.id, new.status);
END;
CREATE TRIGGER images_change_delete AFTER DELETE ON images
BEGIN
  INSERT INTO image_changes (image_id, status) VALUES (old.id, 'deleted');
END;
)sql";

// Version 3: outbox_pending indexed `relayed` alone, so the relay's prune
// ("relayed = 1 AND created_ms < ?", after every batch) read every event
// relayed in the last hour. (relayed, created_ms) serves it as a range, and
// still serves "relayed = 0 ORDER BY created_ms, rowid" without sorting.
constexpr std::string_view kV3 = R"sql(
DROP INDEX outbox_pending;
CREATE INDEX outbox_relayed_created ON outbox (relayed, created_ms);
)sql";

constexpr std::string_view kSteps[] = {kV1, kV2, kV3};
}  // namespace

std::span<const std::string_view> MetadataMigrations() { return kSteps; }

}  // namespace ocula
