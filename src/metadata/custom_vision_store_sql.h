// Internal to the CustomVisionStore implementations: the column lists both
// dialects select, so that the row readers of each match one definition.
#pragma once

#define OCULA_CV_ITERATION_COLUMNS                                                          \
  "id, project_id, name, status, classification_type, created_ms, updated_ms, trained_ms, " \
  "error, seed, feature_model, head_blob_key, performance_json, publish_name, "             \
  "prediction_resource_id, published_ms, owner, lease_until_ms, attempts"

#define OCULA_CV_PROJECT_COLUMNS \
  "id, name, description, classification_type, created_ms, updated_ms"
#define OCULA_CV_TAG_SELECT                                                          \
  "SELECT g.id, g.project_id, g.name, g.description, g.type, g.created_ms, (SELECT " \
  "count(*) FROM cv_image_tags t WHERE t.tag_id = g.id) FROM cv_tags g"

#define OCULA_CV_PIPELINE_COLUMNS                                                      \
  "project_id, publish_name, attached_ms, rerun_status, rerun_cursor, rerun_done, " \
  "rerun_total, rerun_error, rerun_updated_ms, owner, lease_until_ms"
