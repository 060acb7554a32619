#include "train/sgns_blocks.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/errors.h"
#include "core/memory.h"
#include "core/parallel.h"

namespace n2v {

namespace {

// Pairs a thread takes at a time, and the unit of the negatives' generators: fixed, so that one
// thread gives the same tables for a seed whatever the chunking.
constexpr std::uint64_t kPairsPerTask = 1 << 14;
// How many pairs ahead a round draws targets and fetches their rows (on R-MAT 10^7, one ahead
// trained 2.5 M pairs/s a rank, four 4.0, eight 4.0).
constexpr std::uint64_t kAhead = 4;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Calls pair(j, i) for every (context position j, centre position i) of a walk of `length`
// nodes, word2vec's: each centre draws its window b in 1..window from `rng`, and every position
// within b of it but its own is a context of it.
template <typename F>
void for_each_walk_pair(std::size_t length, int window, Rng& rng, F&& pair) {
  for (std::size_t i = 0; i < length; ++i) {
    const std::size_t b = 1 + rng.below(static_cast<std::uint64_t>(window));
    const std::size_t first = i > b ? i - b : 0, last = std::min(length, i + b + 1);
    for (std::size_t j = first; j < last; ++j) {
      if (j != i) pair(j, i);
    }
  }
}

}  // namespace

void append_walk_pairs(const NodeId* walk, std::size_t length, int window, Rng& rng, std::vector<SgnsPair>& out) {
  for_each_walk_pair(length, window, rng, [&](std::size_t j, std::size_t i) { out.push_back({walk[j], walk[i]}); });
}

void BlockRows::prefetch(std::int64_t r) const {
  const float* row = base_ + r * stride_;
  for (std::int64_t i = 0; i < stride_; i += 16) __builtin_prefetch(row + i, 1);
}

void BlockRows::pack(std::int64_t rows, std::int64_t dim, float* packed) const {
  for (std::int64_t r = 0; r < rows; ++r) std::memcpy(packed + r * dim, row(r), static_cast<std::size_t>(dim) * sizeof(float));
}

void BlockRows::unpack(std::int64_t rows, std::int64_t dim, const float* packed) {
  for (std::int64_t r = 0; r < rows; ++r) std::memcpy(row(r), packed + r * dim, static_cast<std::size_t>(dim) * sizeof(float));
}

void BlockRows::resize_once(std::int64_t rows, std::int64_t stride) {
  if (rows_ != rows || stride_ != stride) resize(rows, stride);
}

void BlockRows::resize(std::int64_t rows, std::int64_t stride) {
  // 16 spare floats put the first row on a 64-byte boundary.
  assign_in_huge_pages(storage_, static_cast<std::size_t>(rows * stride + 16), 0.0f);
  const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
  base_ = storage_.data() + ((64 - address % 64) % 64) / sizeof(float);
  rows_ = rows;
  stride_ = stride;
}

std::int64_t SgnsBlocks::block_rows(std::int64_t vocabulary, int block, int parts) {
  return vocabulary > block ? (vocabulary - block + parts - 1) / parts : 0;
}

SgnsBlocks::SgnsBlocks(const SgnsCorpus& corpus, std::int64_t dim, std::uint64_t seed, Transport& transport,
                       int threads)
    : corpus_(corpus),
      transport_(transport),
      parts_(transport.world_size()),
      rank_(transport.rank()),
      threads_(std::max(1, threads)),
      vocabulary_(static_cast<std::int64_t>(corpus.vocabulary_size())),
      dim_(dim),
      stride_((dim + 15) / 16 * 16),
      held_(transport.rank()) {
  input_.resize(block_rows(vocabulary_, rank_, parts_), stride_);
  output_.resize(block_rows(vocabulary_, 0, parts_), stride_);  // block 0 is the largest
  const double half = 0.5 / static_cast<double>(dim);
  for (std::int64_t r = 0; r < input_.rows(); ++r) {
    Rng rng = Rng::for_item(seed, RngStream::Init, static_cast<std::uint64_t>(r * parts_ + rank_));
    float* row = input_.row(r);
    for (std::int64_t i = 0; i < dim; ++i) row[i] = static_cast<float>((2 * rng.uniform() - 1) * half);
  }
  // Every rank knows every block's negatives: a block's are drawn where it is held.
  negatives_.resize(static_cast<std::size_t>(parts_));
  share_.assign(static_cast<std::size_t>(parts_), 0.0);
  double all = 0;
  for (int b = 0; b < parts_; ++b) {
    std::vector<double> weight(static_cast<std::size_t>(block_rows(vocabulary_, b, parts_)));
    for (std::size_t r = 0; r < weight.size(); ++r) {
      const auto token = static_cast<std::size_t>(r) * static_cast<std::size_t>(parts_) + static_cast<std::size_t>(b);
      weight[r] = token == 0 ? 0.0 : std::pow(corpus.counts()[token], 0.75);
      share_[b] += weight[r];
    }
    // A block whose tokens never occur has a share of 0: nothing is drawn from it.
    if (share_[b] > 0) negatives_[b] = AliasTable(weight);
    all += share_[b];
  }
  for (double& share : share_) share = all > 0 ? share / all : 0.0;
  // Block b takes the 64-bit numbers from negatives_below_[b - 1] up to negatives_below_[b]: its
  // share of 2^64. A block with no share takes none; the last with a share takes what rounding leaves.
  negatives_below_.assign(static_cast<std::size_t>(parts_), UINT64_MAX);
  double below = 0;
  for (int b = 0; b < parts_; ++b) {
    if (share_[b] > 0) last_negatives_block_ = b;
    below += share_[b];
    negatives_below_[b] = below >= 1 ? UINT64_MAX : static_cast<std::uint64_t>(std::ldexp(below, 64));
  }
}

void SgnsBlocks::collect(const std::vector<std::size_t>& walk_ids, int epoch) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<NodeId> kept, row;
  std::vector<char> mine;
  pairs_.clear();
  for (std::size_t w : walk_ids) {
    kept.clear();
    corpus_.append_kept(w, epoch, kept);
    // A node's block once per position, not once per pair it makes (a division each).
    row.resize(kept.size());
    mine.resize(kept.size());
    for (std::size_t p = 0; p < kept.size(); ++p) {
      mine[p] = block_of(kept[p], parts_) == rank_;
      row[p] = static_cast<NodeId>(row_in_block(kept[p], parts_));
    }
    Rng rng = corpus_.training_rng(w, epoch);
    // Every pair is written and only this rank's are kept (the cursor moves by mine[j]): half the
    // pairs are another rank's, at random, and a branch on it missed every other time.
    std::size_t n = pairs_.size();
    pairs_.resize(n + 2 * static_cast<std::size_t>(corpus_.options().window) * kept.size());
    OwnPair* out = pairs_.data();
    for_each_walk_pair(kept.size(), corpus_.options().window, rng, [&](std::size_t j, std::size_t i) {
      out[n] = {row[j], kept[i]};
      n += static_cast<std::size_t>(mine[j]);
    });
    pairs_.resize(n);
  }
  collect_seconds_ += seconds_since(start);
}

std::vector<SgnsPair> SgnsBlocks::bucket(int block) const {
  std::vector<SgnsPair> out;
  const auto parts = static_cast<NodeId>(parts_), rank = static_cast<NodeId>(rank_);
  for (const OwnPair& pair : pairs_) {
    if (block_of(pair.centre, parts_) == block) out.push_back({pair.context_row * parts + rank, pair.centre});
  }
  return out;
}

int SgnsBlocks::negatives_block(std::uint64_t key, std::uint64_t pair) const {
  // One multiplication a pair and round: for a key drawn at random, (key + pair) times an odd
  // number is uniform over 2^64 for every pair, so each pair's block has the blocks' shares.
  const std::uint64_t u = (key + pair) * 0x9e3779b97f4a7c15ull;
  int block = 0;
  while (block < last_negatives_block_ && u >= negatives_below_[static_cast<std::size_t>(block)]) ++block;
  return block;
}

void SgnsBlocks::train_rounds(float lr_first, float lr_last, std::uint64_t draw_seed, SgnsLoss& loss) {
  const std::uint64_t n = pairs_.size();
  const double steps = static_cast<double>(std::max<std::uint64_t>(1, n)) * parts_;
  const bool any_negatives = corpus_.options().negative_samples > 0;
  // Which block a pair's negatives come from: the same in every round of the chunk, whatever the
  // thread that trains it.
  const std::uint64_t negatives_key = splitmix64(draw_seed ^ (static_cast<std::uint64_t>(rank_) << 48));
  std::vector<SgnsLoss> losses(static_cast<std::size_t>(threads_));
  for (int round = 0; round < parts_; ++round) {
    if (round > 0) pass_output_block();
    const auto start = std::chrono::steady_clock::now();
    const SgnsTables tables{input_.data(), output_.data(), dim_, stride_};
    const int held = held_;
    const AliasTable& negatives = negatives_[held];
    const double before = static_cast<double>(round) * static_cast<double>(n);
    parallel_chunks(n, kPairsPerTask, threads_, [&](std::uint64_t first, std::uint64_t last, int thread) {
      Rng rng = Rng::for_item(draw_seed, RngStream::Examples,
                              (static_cast<std::uint64_t>(round * parts_ + rank_) << 40) + first / kPairsPerTask);
      SgnsScratch scratch;
      SgnsLoss own;
      // The targets of the pair kAhead pairs on are drawn, and their rows and its context's fetched,
      // as a pair trains: the rows of a block far larger than the cache are the step's wait, and a
      // step of a few targets is too short to cover one fetch. Pairs with nothing in the held
      // block (neither their centre nor their negatives) are passed over.
      struct Drawn {
        std::uint64_t pair = 0;
        bool positive = false;
        std::vector<NodeId> targets;
      };
      std::array<Drawn, kAhead> ahead;
      std::uint64_t next = first;
      auto draw = [&](Drawn& slot) {
        for (; next < last; ++next) {
          const OwnPair& pair = pairs_[next];
          slot.positive = block_of(pair.centre, parts_) == held;
          const bool negatives_here = any_negatives && negatives_block(negatives_key, next) == held;
          if (!slot.positive && !negatives_here) continue;
          const auto centre = static_cast<NodeId>(row_in_block(pair.centre, parts_));
          slot.targets.clear();
          if (slot.positive) slot.targets.push_back(centre);
          const int count = negatives_here ? corpus_.draw_negative_count(rng) : 0;
          for (int k = 0; k < count; ++k) {
            const NodeId negative = negatives.draw(rng);
            if (!slot.positive || negative != centre) slot.targets.push_back(negative);  // word2vec skips the centre itself
          }
          if (slot.targets.empty()) continue;  // a fractional count drew no negative
          for (NodeId row : slot.targets) output_.prefetch(row);
          input_.prefetch(pair.context_row);
          slot.pair = next++;
          return true;
        }
        return false;
      };
      std::size_t drawn = 0;
      while (drawn < kAhead && draw(ahead[drawn])) ++drawn;
      for (std::size_t at = 0; drawn > 0; at = (at + 1) % kAhead) {
        Drawn& slot = ahead[at];
        const auto lr = static_cast<float>(lr_first + (lr_last - lr_first) * (before + static_cast<double>(slot.pair)) / steps);
        sgns_pair_step(tables, pairs_[slot.pair].context_row, slot.targets.data(), static_cast<int>(slot.targets.size()),
                       lr, scratch, own, slot.positive);
        if (!draw(slot)) --drawn;
      }
      losses[thread].add(own);
    });
    train_seconds_ += seconds_since(start);
    ++rounds_;
  }
  round_buffer_bytes_ = std::max(round_buffer_bytes_,
                                 static_cast<double>(pairs_.capacity() * sizeof(OwnPair)) +
                                     static_cast<double>(arriving_.rows() * stride_) * sizeof(float) +
                                     static_cast<double>((packed_out_.capacity() + packed_in_.capacity()) * sizeof(float)));
  pairs_.clear();  // its capacity stays for the next chunk's
  for (const SgnsLoss& part : losses) loss.add(part);
}

void SgnsBlocks::return_output_blocks() {
  while (held_ != rank_) pass_output_block();
}

void SgnsBlocks::pass_output_block() {
  if (parts_ == 1) return;
  const auto start = std::chrono::steady_clock::now();
  const int to = (rank_ + parts_ - 1) % parts_, from = (rank_ + 1) % parts_;
  const int arriving_block = (held_ + 1) % parts_;
  const std::int64_t rows = block_rows(vocabulary_, held_, parts_), arriving = block_rows(vocabulary_, arriving_block, parts_);
  const std::size_t row_bytes = static_cast<std::size_t>(dim_) * sizeof(float);
  if (stride_ == dim_) {
    // The rows as they lie, into the spare block, which then becomes the held one.
    arriving_.resize_once(output_.rows(), stride_);
    transport_.send_receive(output_.data(), static_cast<std::size_t>(rows) * row_bytes, to, arriving_.data(),
                            static_cast<std::size_t>(arriving) * row_bytes, from);
    std::swap(output_, arriving_);
  } else {
    // Padded rows go packed: the padding would add stride / dim to every byte sent.
    packed_out_.resize(static_cast<std::size_t>(output_.rows() * dim_));
    packed_in_.resize(packed_out_.size());
    output_.pack(rows, dim_, packed_out_.data());
    transport_.send_receive(packed_out_.data(), static_cast<std::size_t>(rows) * row_bytes, to, packed_in_.data(),
                            static_cast<std::size_t>(arriving) * row_bytes, from);
    output_.unpack(arriving, dim_, packed_in_.data());
  }
  held_ = arriving_block;
  ++passes_;
  bytes_sent_ += static_cast<double>(static_cast<std::size_t>(rows) * row_bytes);
  exchange_seconds_ += seconds_since(start);
}

void SgnsBlocks::release_round_buffers() {
  return_output_blocks();
  std::vector<OwnPair>().swap(pairs_);
  arriving_ = BlockRows();
  std::vector<float>().swap(packed_out_);
  std::vector<float>().swap(packed_in_);
}

void SgnsBlocks::gather(float* input, float* output) {
  return_output_blocks();
  std::vector<std::string> outgoing(static_cast<std::size_t>(parts_));
  const std::int64_t own = input_.rows();
  outgoing[0].resize(static_cast<std::size_t>(2 * own * dim_) * sizeof(float));
  auto* packed = reinterpret_cast<float*>(outgoing[0].data());
  input_.pack(own, dim_, packed);
  output_.pack(own, dim_, packed + own * dim_);
  const std::vector<std::string> incoming = transport_.all_to_all(outgoing);
  if (rank_ != 0) return;
  const std::size_t row_bytes = static_cast<std::size_t>(dim_) * sizeof(float);
  for (int b = 0; b < parts_; ++b) {
    const std::int64_t rows = block_rows(vocabulary_, b, parts_);
    const std::string& message = incoming[static_cast<std::size_t>(b)];
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::size_t token = static_cast<std::size_t>(r * parts_ + b);
      std::memcpy(input + token * static_cast<std::size_t>(dim_), message.data() + r * row_bytes, row_bytes);
      std::memcpy(output + token * static_cast<std::size_t>(dim_),
                  message.data() + (rows + r) * row_bytes, row_bytes);
    }
  }
}

std::uint64_t SgnsBlocks::non_finite_rows() const {
  std::uint64_t bad = 0;
  for (const BlockRows* table : {&input_, &output_}) {
    for (std::int64_t r = 0; r < input_.rows(); ++r) {
      const float* row = table->row(r);
      for (std::int64_t i = 0; i < dim_; ++i) {
        if (!std::isfinite(row[i])) {
          ++bad;
          break;
        }
      }
    }
  }
  return bad;
}

void SgnsBlocks::assign(const float* input, const float* output) {
  assign_rows(input, output, static_cast<std::size_t>(rank_), static_cast<std::size_t>(parts_));
}

void SgnsBlocks::assign_own_rows(const float* input, const float* output) { assign_rows(input, output, 0, 1); }

void SgnsBlocks::assign_rows(const float* input, const float* output, std::size_t first, std::size_t step) {
  if (held_ != rank_) throw Error("SgnsBlocks::assign with another rank's output block held: release_round_buffers() first");
  const std::size_t dim = static_cast<std::size_t>(dim_);
  for (std::int64_t r = 0; r < input_.rows(); ++r) {
    const std::size_t source = (first + static_cast<std::size_t>(r) * step) * dim;
    std::memcpy(input_.row(r), input + source, dim * sizeof(float));
    std::memcpy(output_.row(r), output + source, dim * sizeof(float));
  }
}

void SgnsBlocks::copy_own_rows(float* input, float* output) const {
  if (held_ != rank_) throw Error("SgnsBlocks::copy_own_rows with another rank's output block held: release_round_buffers() first");
  input_.pack(input_.rows(), dim_, input);
  output_.pack(input_.rows(), dim_, output);
}

}  // namespace n2v
