# Semantics unit tests (WordNet, tags, categories, captions, object parents).
# Pure logic, no models: they read models/semantics/*.tsv, Debian's
# wordnet-base data (/usr/share/wordnet) and the file NAMES of
# ../shared/testdata/imagenet-dev.
ocula_test(vision_semantics_test SOURCES
  vision_semantics/semantics_test_util.cc
  vision_semantics/wordnet_test.cc
  vision_semantics/tables_test.cc
  vision_semantics/tags_test.cc
  vision_semantics/categories_test.cc
  vision_semantics/captions_test.cc
  vision_semantics/evidence_test.cc
  LIBS ocula_vision)
