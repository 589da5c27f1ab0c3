// vision/classify: whole-image classification models and what custom
// classifiers and search build on.
//
//   classifier.h  Classifier: the ImageNet classifier (classes and the
//                 1280-d embedding stored with every image); also the
//                 pipeline's ImageEmbedder
//   adult.h       AdultClassifier: the Adult feature's scores
//   embedding.h   ImageEmbedder (image -> vector, named by its model) and
//                 ClassifierHead / LinearHead (vector -> one score per class)
//
// Models are described by manifests and run through vision/models.
#pragma once

#include "vision/classify/adult.h"       // IWYU pragma: export
#include "vision/classify/classifier.h"  // IWYU pragma: export
#include "vision/classify/embedding.h"   // IWYU pragma: export
