#pragma once
// The stages before training, shared by every command: data (downloaded when missing) -> graph.
#include "core/config.h"
#include "data/holdout.h"
#include "graph/cooccurrence.h"
#include "walk/examples.h"
#include "walk/stream.h"
#include "walk/walks.h"

namespace n2v {

// For data.format movielens: ensures the data, loads it, builds the PMI movie graph.
// For data.format edgelist: reads the edge list into the same structure (stats hold nodes/edges).
// With eval.holdout_latest / eval.holdout_edges set, returns the training graph (built without the
// held-out ratings, then without the held-out edges) and puts what was removed in *held_out.
Graph load_graph(const Config& config, HeldOut* held_out = nullptr);

// The stage options as the config sets them (threads = config.resolved_threads()).
WalkOptions walk_options_from(const Config& config);
ExampleOptions example_options_from(const Config& config);
StreamOptions stream_options_from(const Config& config);

}  // namespace n2v
