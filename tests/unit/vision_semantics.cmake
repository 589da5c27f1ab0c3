# Semantics unit tests (WordNet, tags, categories, captions, object parents).
# Pure logic, no models: they read models/semantics/*.tsv, Debian's
# wordnet-base data (/usr/share/wordnet) and the file NAMES of
# ../shared/testdata/imagenet-dev. The semantics sources are compiled in
# directly rather than through ocula_vision, so this binary builds in seconds
# without the image and model-runner stack.
set(_semantics_src ${PROJECT_SOURCE_DIR}/src/vision)
ocula_test(vision_semantics_test SOURCES
  vision_semantics/semantics_test_util.cc
  vision_semantics/wordnet_test.cc
  vision_semantics/tables_test.cc
  vision_semantics/tags_test.cc
  vision_semantics/categories_test.cc
  vision_semantics/captions_test.cc
  ${_semantics_src}/wordnet.cc
  ${_semantics_src}/semantics.cc
  ${_semantics_src}/tags.cc
  ${_semantics_src}/categories.cc
  ${_semantics_src}/captions.cc
  LIBS ocula_core)
