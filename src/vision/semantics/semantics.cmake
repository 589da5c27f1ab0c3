# semantics/: WordNet, tags with hints, categories, captions, object parents.
# Pure logic over models/semantics/*.tsv and Debian's wordnet-base data.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/captions.cc
  ${CMAKE_CURRENT_LIST_DIR}/categories.cc
  ${CMAKE_CURRENT_LIST_DIR}/evidence.cc
  ${CMAKE_CURRENT_LIST_DIR}/semantics.cc
  ${CMAKE_CURRENT_LIST_DIR}/tags.cc
  ${CMAKE_CURRENT_LIST_DIR}/wordnet.cc)
