// vision/classify: whole-image classification models and what custom
// classifiers and search build on.
//
//   classifier.h  Classifier: the ImageNet classifier (classes and the
//                 1280-d embedding stored with every image); also the
//                 pipeline's ImageEmbedder
//   adult.h       AdultClassifier: the Adult feature's scores
//   embedding.h   ImageEmbedder (image -> vector, named by its model) and
//                 ClassifierHead / LinearHead (vector -> one score per class)
//   region_features.h  RegionFeatures: what custom classifiers are trained
//                 on (the whole image's last feature map, pooled by region)
//   head_training.h  training a softmax head on labelled embeddings, and
//                 k-fold cross-validation of it (custom classifiers)
//
// Models are described by manifests and run through vision/models.
#pragma once

#include "vision/classify/adult.h"       // IWYU pragma: export
#include "vision/classify/classifier.h"  // IWYU pragma: export
#include "vision/classify/embedding.h"   // IWYU pragma: export
#include "vision/classify/head_training.h"  // IWYU pragma: export
#include "vision/classify/region_features.h"  // IWYU pragma: export
