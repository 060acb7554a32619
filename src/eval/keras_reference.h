#pragma once
// The loss curve printed by the Keras example "Graph representation learning with node2vec"
// (Khalid Salama, keras.io, 2021-05-15) for ml-latest-small with configs/ml_small.yaml's settings:
// the "loss:" figure of each of its 10 epochs (see ../shared/reference/keras-node2vec-movielens.txt).
#include <array>

namespace n2v {

constexpr std::array<double, 10> kKerasReferenceLoss = {2.4527, 2.3431, 2.3351, 2.3301, 2.3259,
                                                         2.3223, 2.3191, 2.3160, 2.3130, 2.3104};

}  // namespace n2v
