#pragma once
// The stages before training, shared by every command: data (downloaded when missing) -> graph.
#include "config.h"
#include "cooccurrence.h"

namespace n2v {

// For data.format movielens: ensures the data, loads it, builds the PMI movie graph.
// For data.format edgelist: reads the edge list into the same structure (stats hold nodes/edges).
MovieGraph load_graph(const Config& config);

}  // namespace n2v
