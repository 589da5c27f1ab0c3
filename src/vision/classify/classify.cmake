# classify/: classification models run through models/ (the ImageNet
# classifier with its embedding, the adult model) and the embedding and head
# interfaces that custom classifiers and search build on.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/adult.cc
  ${CMAKE_CURRENT_LIST_DIR}/classifier.cc
  ${CMAKE_CURRENT_LIST_DIR}/embedding.cc
  ${CMAKE_CURRENT_LIST_DIR}/head_training.cc
  ${CMAKE_CURRENT_LIST_DIR}/region_features.cc)
# The head trainer's dot products are vectorised with `omp simd` (no OpenMP
# runtime: -fopenmp-simd only lets the compiler reorder those sums).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/head_training.cc
  PROPERTIES COMPILE_OPTIONS -fopenmp-simd)
