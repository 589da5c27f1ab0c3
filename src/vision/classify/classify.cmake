# classify/: classification models run through models/ (the ImageNet
# classifier with its embedding, the adult model) and the embedding and head
# interfaces that custom classifiers and search build on.
target_sources(ocula_vision PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/adult.cc
  ${CMAKE_CURRENT_LIST_DIR}/classifier.cc
  ${CMAKE_CURRENT_LIST_DIR}/embedding.cc)
