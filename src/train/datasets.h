#pragma once
// The torch datasets the DataLoader trains from, one per skipgram.mode. Both serve whole batches:
// one index_select per column per batch instead of one tensor per example (a per-example dataset
// is ten times slower).
//   ExampleDataset  aggregate mode: the materialised, weighted examples (walk/examples.h)
//   StreamDataset   stream mode: a batch of walks, turned into examples on demand (walk/stream.h)
//   SgnsDataset     skipgram.model sgns: a batch of walks, subsampled (walk/sgns_corpus.h)
#include <torch/data.h>

#include <atomic>
#include <memory>
#include <vector>

#include "walk/examples.h"
#include "walk/sgns_corpus.h"
#include "walk/stream.h"

namespace n2v {

struct ExampleBatch {
  torch::Tensor target, context, label, weight;
};

class ExampleDataset : public torch::data::datasets::BatchDataset<ExampleDataset, ExampleBatch> {
 public:
  // With world > 1, a batch holds only this rank's contiguous slice of the requested indices:
  // ranks that draw the same global batch then split it without assembling all of it.
  ExampleDataset(const Examples& examples, torch::Device device, int rank = 0, int world = 1);
  ExampleBatch get_batch(c10::ArrayRef<std::size_t> indices) override;
  c10::optional<std::size_t> size() const override { return size_; }

 private:
  // On CPU one 16-byte record an example, so that a shuffled batch's gather misses the cache once an
  // example rather than once a column; on other devices the four columns, on the device.
  struct Packed {
    std::uint32_t target, context;  // tokens are graph nodes (NodeId, 32-bit)
    float label, weight;
  };
  std::vector<Packed> packed_;
  void prefetch(std::size_t e) const {
    if (e < size_) __builtin_prefetch(packed_.data() + e);
  }
  torch::Tensor targets_, contexts_, labels_, weights_;
  torch::Device device_;
  std::size_t size_;
  int rank_, world_;
};

// Stream mode: a batch request is a list of walk indices; the batch holds those walks' examples,
// generated on demand (in a DataLoader worker thread, overlapping the training step). In a world of
// N ranks, rank K makes only its contiguous share of the request, walks [n K / N, n (K + 1) / N).
class StreamDataset : public torch::data::datasets::BatchDataset<StreamDataset, ExampleBatch> {
 public:
  StreamDataset(std::shared_ptr<const StreamExamples> source, std::shared_ptr<std::atomic<int>> epoch, int rank = 0,
                int world_size = 1);
  ExampleBatch get_batch(c10::ArrayRef<std::size_t> walk_indices) override;
  c10::optional<std::size_t> size() const override { return source_->num_walks(); }

 private:
  std::shared_ptr<const StreamExamples> source_;
  std::shared_ptr<std::atomic<int>> epoch_;
  int rank_, world_size_;
};

// skipgram.model sgns: the requested walks' nodes after subsampling, one after another; walk i
// of the batch is nodes[offsets[i], offsets[i + 1]), walk number walk_ids[i] of the walks. In a
// world of N ranks it is rank K's share of the request (walks [n K / N, n (K + 1) / N) of n).
struct SgnsBatch {
  std::vector<NodeId> nodes;
  std::vector<std::size_t> offsets{0};
  std::vector<std::size_t> walk_ids;
  std::size_t first = 0;  // the share's first walk's place in the whole request
  std::size_t requested = 0;  // the whole request's walks, every rank's share together
  std::size_t size() const { return walk_ids.size(); }
};

class SgnsDataset : public torch::data::datasets::BatchDataset<SgnsDataset, SgnsBatch> {
 public:
  SgnsDataset(std::shared_ptr<const SgnsCorpus> corpus, std::shared_ptr<std::atomic<int>> epoch, int rank = 0,
              int world_size = 1);
  SgnsBatch get_batch(c10::ArrayRef<std::size_t> walk_indices) override;
  c10::optional<std::size_t> size() const override { return corpus_->walks().size(); }

 private:
  std::shared_ptr<const SgnsCorpus> corpus_;
  std::shared_ptr<std::atomic<int>> epoch_;
  int rank_, world_size_;
};

}  // namespace n2v
