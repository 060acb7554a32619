#pragma once
// The stages before training, shared by every command: data (downloaded when missing) -> graph ->
// walks -> examples, and the one mapping from the Config to each stage's options.
#include <functional>

#include "core/config.h"
#include "dist/transport.h"
#include "graph/cooccurrence.h"
#include "graph/edgelist.h"
#include "graph/holdout.h"
#include "walk/examples.h"
#include "walk/sgns_corpus.h"
#include "walk/stream.h"
#include "walk/walks.h"

namespace n2v {

// For data.format movielens: ensures the data, loads it, builds the PMI movie graph.
// For data.format edgelist: reads the edge list into the same structure (stats hold nodes/edges).
// With eval.holdout_latest / eval.holdout_edges set, returns the training graph (built without the
// held-out ratings, then without the held-out edges) and puts what was removed in *held_out.
Graph load_graph(const Config& config, HeldOut* held_out = nullptr);

// Throws DataError when `g` has no edge: its walks would be empty, and an empty walks.txt or an
// untrained model would pass for a result. Names the settings that thin a movie graph.
void require_edges(const Graph& g, const Config& config);

// The stages of prepare_training_data, in the order they run. An edge list has no Graph stage:
// its Load reads the graph.
enum class PipelineStage { Load, Graph, Walks, Examples };
template <>
struct Choices<PipelineStage> {
  static constexpr std::pair<PipelineStage, const char*> names[]{{PipelineStage::Load, "load"},
                                                                 {PipelineStage::Graph, "graph"},
                                                                 {PipelineStage::Walks, "walks"},
                                                                 {PipelineStage::Examples, "examples"}};
};

struct TrainingData {
  Graph graph;  // its vocabulary and stats; the arcs and edge list are freed once the walks are made
  HeldOut held_out;
  Walks walks;  // every walk, a distributed run's blocks gathered
  Examples examples;  // skipgram.mode aggregate only: stream mode makes them batch by batch while training
};

// How prepare_training_data runs; the defaults are one process with progress lines.
struct PrepareOptions {
  int rank = 0, world_size = 1;  // walk this rank's block of the walks (walk_shard) ...
  std::function<Walks(const Walks&)> gather_walks;  // ... then join every rank's blocks (a distributed run)
  // The ranks' connection. With dist.partition shard and more than one rank, each rank loads only
  // its share of the graph (graph/shard.h) and the walks cross the ranks over it (dist/); the
  // walks that come out are the same block of the same walks.
  Transport* transport = nullptr;
  // Runs each stage (`run`), e.g. timing it; empty: the stage just runs.
  std::function<void(PipelineStage, const std::function<void()>& run)> run_stage;
  bool progress = true;  // the load, walks and examples progress lines (bench, timing them, has none)
};

// The torch-free part of n2v train: load_graph, the walks, and in aggregate mode the examples.
TrainingData prepare_training_data(const Config& config, const PrepareOptions& options = {});
// The graph and the walks only (n2v walk): TrainingData without examples.
TrainingData prepare_walks(const Config& config, const PrepareOptions& options = {});

// The stage options as the config sets them (threads = config.resolved_threads()). Every caller
// builds them here: the options structs have no defaults of their own.
CooccurrenceOptions cooccurrence_options_from(const Config& config);
EdgeListOptions edge_list_options_from(const Config& config);
WalkOptions walk_options_from(const Config& config);
ExampleOptions example_options_from(const Config& config);
StreamOptions stream_options_from(const Config& config);
SgnsOptions sgns_options_from(const Config& config);

}  // namespace n2v
