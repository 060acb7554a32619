#pragma once
// Block-partitioned sgns (dist.partition shard), after GraphVite's parallel negative sampling, over a
// Transport (c10d between processes, dist/local_world.h in tests). Token t belongs to block
// t % N, and rank r keeps the input rows of block r for good; while it trains no rank holds a
// whole table (training gathers them on rank 0 between epochs).
// Every rank holds the walks (training gathers them); a chunk of walks becomes (context, centre)
// pairs on every rank, each keeping those whose context it owns, in walk order (drawing a chunk's
// windows on every rank costs little beside training a 1/N share of its pairs, and sends
// nothing). Then N rounds: in each, rank r holds one output block and goes through its pairs in
// walk order, training each against its centre when the centre lies in that block and against
// all its negatives when they are the block's (a pair's negatives come from one block, chosen
// with the blocks' shares of unigram^0.75 and drawn within it), with Hogwild threads; between
// rounds it passes the block on to rank r - 1 (a ring). The next chunk starts with the blocks
// where they are, so a chunk passes N - 1 times; the blocks go home at the end of the epoch:
//
//            round 0     round 1     round 2        N = 3, the output block each rank holds in
//   rank 0   out 0  <--  out 1  <--  out 2          the first chunk (its input block stays);
//   rank 1   out 1  <--  out 2  <--  out 0          the second chunk starts where it ends
//   rank 2   out 2  <--  out 0  <--  out 1          (rank 0 with out 2, ...).
//
// Every positive is trained once a chunk, a pair's negatives follow one process's unigram^0.75,
// and no two ranks hold one row at once: nothing is averaged or lost, unlike data-parallel
// training (train/sgns_replicas.h). A pair's context row is trained 1 + (1 - share of its
// centre's block) times on average (1.5 at N = 2) where negatives spread over every round took N.
// GraphVite draws a pair's negatives from its centre's block alone, so a context's negatives
// follow where its positives fall; on ml-latest-small that cost 0.007 of link-prediction AUC
// (docs/distributed.md). The pairs stay in walk order: sorted by the centre's block, a round's
// second half was negatives alone, and the tables drifted far from the objective.
#include <cstdint>
#include <vector>

#include "core/alias_table.h"
#include "core/rng.h"
#include "dist/transport.h"
#include "train/train.h"
#include "models/sgns_step.h"
#include "walk/sgns_corpus.h"

namespace n2v {

struct SgnsPair {
  NodeId context;  // a row of the input table: the node within the window
  NodeId centre;   // a row of the output table: the positive target
};

// Appends one walk's (context, centre) pairs (the walk after subsampling), word2vec's: each
// centre draws its window b in 1..window from `rng`, and every node within b of it at another
// position is a context of it.
void append_walk_pairs(const NodeId* walk, std::size_t length, int window, Rng& rng, std::vector<SgnsPair>& out);

// Rows of one block's table, 64-byte aligned, `stride` floats apart.
class BlockRows {
 public:
  void resize(std::int64_t rows, std::int64_t stride);
  void resize_once(std::int64_t rows, std::int64_t stride);  // keeps the rows when the shape is this already
  float* row(std::int64_t r) { return base_ + r * stride_; }
  const float* row(std::int64_t r) const { return base_ + r * stride_; }
  void prefetch(std::int64_t r) const;  // row r into the cache, for writing
  // The first `rows` rows' first `dim` floats to or from `packed`, [rows x dim] row-major.
  void pack(std::int64_t rows, std::int64_t dim, float* packed) const;
  void unpack(std::int64_t rows, std::int64_t dim, const float* packed);
  float* data() { return base_; }
  std::int64_t rows() const { return rows_; }

 private:
  std::vector<float> storage_;
  float* base_ = nullptr;
  std::int64_t rows_ = 0, stride_ = 0;
};

class SgnsBlocks {
 public:
  // Every rank passes the same corpus (its counts are the negatives' distribution) and seed.
  // Input rows start uniform in +-0.5/dim, each from (seed, token): the same start in any world
  // size. Output rows start at zero.
  SgnsBlocks(const SgnsCorpus& corpus, std::int64_t dim, std::uint64_t seed, Transport& transport, int threads);

  static int block_of(NodeId token, int parts) { return static_cast<int>(token % static_cast<NodeId>(parts)); }
  static std::int64_t row_in_block(NodeId token, int parts) { return token / static_cast<NodeId>(parts); }
  // How many of tokens 0..vocabulary-1 fall in `block`.
  static std::int64_t block_rows(std::int64_t vocabulary, int block, int parts);

  // Makes the pairs of walks `walk_ids` in `epoch` (subsampled and windowed with the corpus'
  // per-walk generators; every rank passes the same walks) and keeps this rank's: afterwards
  // bucket(b) lists every pair whose context is in this rank's block and centre in block b.
  void collect(const std::vector<std::size_t>& walk_ids, int epoch);
  std::vector<SgnsPair> bucket(int block) const;
  std::uint64_t collected_pairs() const { return pairs_.size(); }

  // Collective: the N rounds over the collected pairs, then drops them. The learning rate falls
  // linearly from lr_first to lr_last over the rounds; negatives are drawn from `draw_seed`. The
  // output blocks stay where the last round left them.
  void train_rounds(float lr_first, float lr_last, std::uint64_t draw_seed, SgnsLoss& loss);
  // The block pair `pair` of a chunk draws its negatives from, for the chunk's `key`: block b with
  // probability share(b).
  int negatives_block(std::uint64_t key, std::uint64_t pair) const;

  // Collective: rank 0 writes both whole tables, [vocabulary x dim] row-major, into `input` and
  // `output` (the others write nothing and may pass null); `assign` takes this rank's rows out of
  // whole tables (resuming a checkpoint). gather brings the output blocks home first.
  void gather(float* input, float* output);
  void assign(const float* input, const float* output);
  // This rank's rows alone, [own_rows() x dim] row-major, row r = token r * N + rank (dist.tables
  // per_rank): copied out or assigned.
  std::int64_t own_rows() const { return input_.rows(); }
  void copy_own_rows(float* input, float* output) const;
  void assign_own_rows(const float* input, const float* output);
  // Rows of this rank's blocks with a value that is not finite (call between chunks).
  std::uint64_t non_finite_rows() const;

  // The distribution the negatives of block b come from: its tokens' counts^0.75, normalised
  // within the block; draw() gives a row in the block. share(b): the block's part of the whole
  // distribution, the fraction of a pair's negatives drawn from it.
  const AliasTable& negatives(int block) const { return negatives_[static_cast<std::size_t>(block)]; }
  double share(int block) const { return share_[static_cast<std::size_t>(block)]; }

  double exchange_seconds() const { return exchange_seconds_; }  // passing blocks, waiting included
  double collect_seconds() const { return collect_seconds_; }    // making and keeping pairs
  double train_seconds() const { return train_seconds_; }        // the rounds' training
  double bytes_sent() const { return bytes_sent_; }
  std::int64_t rounds() const { return rounds_; }
  std::int64_t passes() const { return passes_; }  // of the output blocks, round the ring
  // What the rounds held besides the two blocks, at most: a chunk's pairs and the spare block that a
  // passed one arrives in (or, for rows padded past dim, the packed blocks sent and received).
  double round_buffer_bytes() const { return round_buffer_bytes_; }
  // Collective: brings every output block home, then frees those between epochs, for the
  // checkpoint's copies; the next chunk allocates them again.
  void release_round_buffers();

 private:
  void pass_output_block();     // to rank - 1, from rank + 1
  void return_output_blocks();  // passes until each rank holds its own
  // Row r of this rank's blocks from row first + r * step of `input` and `output`.
  void assign_rows(const float* input, const float* output, std::size_t first, std::size_t step);

  const SgnsCorpus& corpus_;
  Transport& transport_;
  int parts_, rank_, threads_;
  std::int64_t vocabulary_, dim_, stride_;
  int held_ = 0;  // the output block in output_
  BlockRows input_, output_, arriving_;
  std::vector<float> packed_out_, packed_in_;
  std::vector<AliasTable> negatives_;
  std::vector<double> share_;
  std::vector<std::uint64_t> negatives_below_;  // negatives_block's thresholds
  int last_negatives_block_ = 0;                // the last block with a share
  struct OwnPair {
    OwnPair() {}  // left unset: collect() grows the pairs by a walk's most and writes them itself
    OwnPair(NodeId row, NodeId token) : context_row(row), centre(token) {}
    NodeId context_row;  // the context's row in this rank's input block
    NodeId centre;       // the centre's token
  };
  std::vector<OwnPair> pairs_;  // this rank's, in walk order
  double exchange_seconds_ = 0, collect_seconds_ = 0, train_seconds_ = 0, bytes_sent_ = 0, round_buffer_bytes_ = 0;
  std::int64_t rounds_ = 0, passes_ = 0;
};

// train_sgns with dist.partition shard across ranks (train/train_sgns_blocks.cpp): the tables in
// blocks, trained a chunk of walks at a time; rank 0 gathers them after every epoch for the
// checkpoint and returns the input table as the embeddings (the other ranks return none).
TrainResult train_sgns_blocks(const Walks& walks, std::size_t vocabulary_size, const Config& config,
                              const std::filesystem::path& out_dir, bool resume, Communicator& comm);

}  // namespace n2v
