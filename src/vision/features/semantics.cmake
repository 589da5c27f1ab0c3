# Semantics: WordNet, tags with hints, categories, captions, object parents.
# Pure logic over models/semantics/*.tsv and Debian's wordnet-base data.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/wordnet.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/semantics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/tags.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/categories.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/captions.cc)
