// Block-partitioned sgns (train/sgns_blocks.h) on ranks as threads (dist/local_world.h): where
// every pair goes, what the negatives of a block are drawn from, and the tables' round trip.
#include "train/sgns_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "dist/local_world.h"
#include "walk/exactness.h"

namespace n2v {
namespace {

constexpr std::size_t kVocabulary = 41;  // token 0 reserved, 1..40 in the walks

// Walks over tokens 1..40 with skewed frequencies (low tokens more often), lengths 1..12.
Walks skewed_walks(std::size_t count, std::uint64_t seed) {
  Walks walks;
  Rng rng(seed);
  for (std::size_t w = 0; w < count; ++w) {
    const std::size_t length = 1 + rng.below(12);
    for (std::size_t i = 0; i < length; ++i) {
      const double u = rng.uniform();
      walks.nodes.push_back(static_cast<NodeId>(1 + static_cast<std::size_t>(u * u * 40)));
    }
    walks.offsets.push_back(walks.nodes.size());
  }
  return walks;
}

SgnsOptions options(double subsample) { return SgnsOptions{3, 2.5, subsample, 17}; }

// Walks 0..count-1: every rank passes the whole chunk.
std::vector<std::size_t> all_walks(std::size_t count) {
  std::vector<std::size_t> ids(count);
  for (std::size_t w = 0; w < count; ++w) ids[w] = w;
  return ids;
}

// blocks.gather() into vectors of the whole tables' size: filled on rank 0; on the other ranks
// checked to be untouched (they receive nothing) and returned empty.
void gather(SgnsBlocks& blocks, int rank, std::size_t vocabulary, std::size_t dim, std::vector<float>& input,
            std::vector<float>& output) {
  constexpr float kUntouched = -12345.0f;
  input.assign(vocabulary * dim, kUntouched);
  output.assign(vocabulary * dim, kUntouched);
  blocks.gather(input.data(), output.data());
  if (rank == 0) return;
  EXPECT_EQ(std::count(input.begin(), input.end(), kUntouched), static_cast<std::ptrdiff_t>(input.size()));
  EXPECT_EQ(std::count(output.begin(), output.end(), kUntouched), static_cast<std::ptrdiff_t>(output.size()));
  input.clear();
  output.clear();
}

std::vector<std::pair<NodeId, NodeId>> sorted_pairs(const std::vector<SgnsPair>& pairs) {
  std::vector<std::pair<NodeId, NodeId>> out;
  for (const SgnsPair& p : pairs) out.emplace_back(p.context, p.centre);
  std::sort(out.begin(), out.end());
  return out;
}

// Every pair an epoch's walks make (one process, in walk order), against what the buckets of 1,
// 2 and 3 ranks hold together: the same multiset, each pair in the bucket of its two blocks on
// the rank that owns its context; and the rounds train each positive once.
TEST(SgnsBlocks, EveryPairOfAnEpochLandsInOneBucketAndIsTrainedOnce) {
  const Walks walks = skewed_walks(300, 5);
  for (double subsample : {0.0, 0.05}) {
    const SgnsCorpus corpus(walks, kVocabulary, options(subsample));
    std::vector<SgnsPair> expected;
    for (std::size_t w = 0; w < walks.size(); ++w) {
      std::vector<NodeId> kept;
      corpus.append_kept(w, 2, kept);
      Rng rng = corpus.training_rng(w, 2);
      append_walk_pairs(kept.data(), kept.size(), corpus.options().window, rng, expected);
    }
    ASSERT_GT(expected.size(), 1000u);
    for (int world = 1; world <= 3; ++world) {
      std::mutex mutex;
      std::vector<SgnsPair> collected;
      std::uint64_t trained = 0;
      LocalWorld(world).run([&](Transport& transport) {
        SgnsBlocks blocks(corpus, 8, 3, transport, 1);
        blocks.collect(all_walks(walks.size()), 2);
        std::vector<SgnsPair> mine;
        for (int b = 0; b < world; ++b) {
          for (const SgnsPair& p : blocks.bucket(b)) {
            EXPECT_EQ(SgnsBlocks::block_of(p.context, world), transport.rank());
            EXPECT_EQ(SgnsBlocks::block_of(p.centre, world), b);
            mine.push_back(p);
          }
        }
        EXPECT_EQ(blocks.collected_pairs(), mine.size());
        SgnsLoss loss;
        blocks.train_rounds(0.025f, 0.02f, 9, loss);
        EXPECT_EQ(blocks.collected_pairs(), 0u);
        EXPECT_EQ(blocks.rounds(), world);
        std::lock_guard<std::mutex> lock(mutex);
        collected.insert(collected.end(), mine.begin(), mine.end());
        trained += loss.positives;
      });
      EXPECT_EQ(sorted_pairs(collected), sorted_pairs(expected)) << world << " ranks, subsample " << subsample;
      EXPECT_EQ(trained, expected.size()) << world << " ranks, subsample " << subsample;
    }
  }
}

// A chunk passes the output blocks N - 1 times (the next starts with them where they are), and
// release_round_buffers brings them home: with 3 ranks a rank sends two blocks a chunk, then the
// third. With no negatives (or a fractional count) every positive is still trained once.
TEST(SgnsBlocks, AChunkPassesTheBlocksNMinusOneTimesAndTheEpochBringsThemHome) {
  const Walks walks = skewed_walks(300, 6);
  for (double negatives : {0.0, 0.5, 3.0}) {
    const SgnsCorpus corpus(walks, kVocabulary, SgnsOptions{3, negatives, 0, 17});
    const int world = 3;
    const std::int64_t dim = 8;
    std::mutex mutex;
    std::uint64_t collected = 0, trained = 0;
    LocalWorld(world).run([&](Transport& transport) {
      SgnsBlocks blocks(corpus, dim, 3, transport, 1);
      auto block_bytes = [&](int block) {
        return static_cast<double>(SgnsBlocks::block_rows(kVocabulary, block % world, world) * dim) * sizeof(float);
      };
      const int rank = transport.rank();
      blocks.collect(all_walks(walks.size()), 1);
      const std::uint64_t pairs = blocks.collected_pairs();
      SgnsLoss loss;
      blocks.train_rounds(0.025f, 0.02f, 9, loss);
      EXPECT_EQ(blocks.bytes_sent(), block_bytes(rank) + block_bytes(rank + 1)) << "rank " << rank;
      blocks.release_round_buffers();
      EXPECT_EQ(blocks.bytes_sent(), block_bytes(rank) + block_bytes(rank + 1) + block_bytes(rank + 2)) << "rank " << rank;
      std::vector<float> input(kVocabulary * dim), output(kVocabulary * dim);
      blocks.copy_own_rows(input.data(), output.data());  // refused unless the rank's own block is home
      std::lock_guard<std::mutex> lock(mutex);
      collected += pairs;
      trained += loss.positives;
    });
    EXPECT_GT(collected, 1000u);
    EXPECT_EQ(trained, collected) << negatives << " negatives";
  }
}

// A block's negatives come from its own tokens only, in proportion to count^0.75 (chi-square,
// 1% level), on every rank alike; a pair's negatives come from block b with b's share of the
// whole count^0.75 (chi-square), so they follow one process's distribution.
TEST(SgnsBlocks, ABlocksNegativesFollowItsShareOfUnigramToTheThreeQuarters) {
  const Walks walks = skewed_walks(400, 8);
  const SgnsCorpus corpus(walks, kVocabulary, options(0));
  const int world = 3;
  LocalWorld(world).run([&](Transport& transport) {
    SgnsBlocks blocks(corpus, 4, 3, transport, 1);
    double whole = 0, share_sum = 0;
    for (std::size_t token = 1; token < kVocabulary; ++token) whole += std::pow(corpus.counts()[token], 0.75);
    for (int b = 0; b < world; ++b) {
      const std::int64_t rows = SgnsBlocks::block_rows(kVocabulary, b, world);
      std::vector<double> probability(static_cast<std::size_t>(rows));
      double total = 0;
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::size_t token = static_cast<std::size_t>(r * world + b);
        probability[r] = token == 0 ? 0.0 : std::pow(corpus.counts()[token], 0.75);
        total += probability[r];
      }
      for (double& p : probability) p /= total;
      const std::uint64_t draws = 200000;
      std::vector<std::uint64_t> counts(probability.size());
      Rng rng(100 + static_cast<std::uint64_t>(transport.rank()));
      for (std::uint64_t i = 0; i < draws; ++i) ++counts.at(blocks.negatives(b).draw(rng));
      int df = 0;
      const double statistic = walk_testing::chi_square(counts, probability, draws, df);
      EXPECT_LT(statistic, walk_testing::chi_square_critical(df, 0.01)) << "block " << b << ", rank " << transport.rank();
      EXPECT_NEAR(blocks.share(b), total / whole, 1e-12) << "block " << b;
      share_sum += blocks.share(b);
    }
    EXPECT_NEAR(share_sum, 1.0, 1e-12);
    // The block a pair's negatives come from follows the shares, for any chunk's key.
    for (std::uint64_t key : {std::uint64_t{1}, std::uint64_t{0x9e3779b97f4a7c15}}) {
      const std::uint64_t pairs = 200000;
      std::vector<std::uint64_t> chosen(static_cast<std::size_t>(world));
      std::vector<double> shares(static_cast<std::size_t>(world));
      for (int b = 0; b < world; ++b) shares[static_cast<std::size_t>(b)] = blocks.share(b);
      for (std::uint64_t i = 0; i < pairs; ++i) ++chosen.at(static_cast<std::size_t>(blocks.negatives_block(key, i)));
      int df = 0;
      const double statistic = walk_testing::chi_square(chosen, shares, pairs, df);
      EXPECT_LT(statistic, walk_testing::chi_square_critical(df, 0.01)) << "key " << key;
    }
  });
}

// The input rows start from (seed, token) alone: 1 and 3 ranks gather the same starting tables.
// After training, assign() of the gathered tables and a second gather give them back unchanged;
// one thread a rank gives the same tables for a seed.
TEST(SgnsBlocks, TablesStartAlikeInAnyWorldAndGatherAndAssignRoundTrip) {
  const Walks walks = skewed_walks(200, 11);
  const SgnsCorpus corpus(walks, kVocabulary, options(0));
  auto start = [&](int world) {
    std::vector<float> input;
    LocalWorld(world).run([&](Transport& transport) {
      SgnsBlocks blocks(corpus, 6, 21, transport, 1);
      std::vector<float> in, out;
      gather(blocks, transport.rank(), kVocabulary, 6, in, out);
      if (transport.rank() == 0) input = in;
      else EXPECT_TRUE(in.empty());
    });
    return input;
  };
  const std::vector<float> one = start(1);
  ASSERT_EQ(one.size(), kVocabulary * 6);
  EXPECT_EQ(start(3), one);
  EXPECT_GT(*std::max_element(one.begin(), one.end()), 0.0f);

  auto trained = [&](int world) {
    std::vector<float> input, output;
    LocalWorld(world).run([&](Transport& transport) {
      SgnsBlocks blocks(corpus, 6, 21, transport, 1);
      blocks.collect(all_walks(walks.size()), 1);
      SgnsLoss loss;
      blocks.train_rounds(0.05f, 0.04f, 5, loss);
      std::vector<float> in, out;
      gather(blocks, transport.rank(), kVocabulary, 6, in, out);
      if (transport.rank() == 0) {
        input = in;
        output = out;
      }
      // Every rank takes its rows from rank 0's gathered tables, read after a collective (a barrier).
      transport.all_to_all(std::vector<std::string>(static_cast<std::size_t>(world)));
      blocks.assign(input.data(), output.data());
      gather(blocks, transport.rank(), kVocabulary, 6, in, out);
      if (transport.rank() == 0) {
        EXPECT_EQ(in, input);
        EXPECT_EQ(out, output);
      }
    });
    return std::make_pair(input, output);
  };
  const auto a = trained(2), b = trained(2);
  EXPECT_NE(a.first, one) << "training changed the vectors";
  EXPECT_EQ(a, b);
  EXPECT_NE(*std::max_element(a.second.begin(), a.second.end()), 0.0f) << "the output rows learnt";
}

// Walks that drift along a ring of 200 tokens: a token's contexts are its ring neighbours.
Walks ring_walks(std::size_t count) {
  Walks walks;
  Rng rng(3);
  for (std::size_t w = 0; w < count; ++w) {
    auto at = static_cast<NodeId>(1 + rng.below(200));
    for (int i = 0; i < 40; ++i) {
      walks.nodes.push_back(at);
      at = static_cast<NodeId>(1 + (at + rng.below(7)) % 200);
    }
    walks.offsets.push_back(walks.nodes.size());
  }
  return walks;
}

// sgns' loss on pairs with negatives from the whole unigram^0.75 (what one process optimises),
// measured on trained tables without changing them.
double global_loss(const SgnsCorpus& corpus, const std::vector<float>& input, const std::vector<float>& output,
                   std::size_t dim) {
  auto dot = [&](NodeId a, NodeId b) {
    double sum = 0;
    for (std::size_t i = 0; i < dim; ++i) sum += input[a * dim + i] * output[b * dim + i];
    return sum;
  };
  double total = 0;
  std::uint64_t pairs = 0;
  Rng negatives(99);
  for (std::size_t w = 0; w < corpus.walks().size(); w += 4) {
    std::vector<SgnsPair> ps;
    Rng rng = corpus.training_rng(w, 7);
    append_walk_pairs(corpus.walks().walk(w), corpus.walks().length(w), corpus.options().window, rng, ps);
    for (const SgnsPair& p : ps) {
      total += std::log1p(std::exp(-dot(p.context, p.centre)));
      for (int k = 0; k < 15; ++k) total += std::log1p(std::exp(dot(p.context, corpus.draw_negative(negatives))));
      ++pairs;
    }
  }
  return total / static_cast<double>(pairs);
}

// Four chunks of 1,000 walks on 1, 2 and 3 ranks: the tables optimise one process's objective
// about as well in every world (with the pairs sorted by their centre's block, so that half of
// each round was negatives alone, 2 ranks scored 3.15 against one rank's 2.33), and far better
// than the untrained tables.
TEST(SgnsBlocks, TrainedTablesFitTheWholeObjectiveInAnyWorld) {
  const Walks walks = ring_walks(4000);
  const SgnsCorpus corpus(walks, 201, SgnsOptions{5, 15, 0, 17});
  std::vector<double> loss;
  double untrained = 0;
  for (int world = 1; world <= 3; ++world) {
    LocalWorld(world).run([&](Transport& transport) {
      SgnsBlocks blocks(corpus, 16, 21, transport, 1);
      std::vector<float> input, output;
      if (world == 1) {
        gather(blocks, transport.rank(), 201, 16, input, output);
        untrained = global_loss(corpus, input, output, 16);
      }
      for (std::size_t c = 0; c < 4; ++c) {
        std::vector<std::size_t> ids = all_walks(1000);
        for (std::size_t& w : ids) w += 1000 * c;  // chunk c: walks 1000c .. 1000c + 999
        blocks.collect(ids, 1);
        SgnsLoss ignored;
        blocks.train_rounds(0.025f * (1 - c / 4.0f), 0.025f * (1 - (c + 1) / 4.0f), 5 + c, ignored);
      }
      gather(blocks, transport.rank(), 201, 16, input, output);
      if (transport.rank() == 0) loss.push_back(global_loss(corpus, input, output, 16));
    });
  }
  ASSERT_EQ(loss.size(), 3u);
  EXPECT_LT(loss[0], 0.8 * untrained) << untrained;
  EXPECT_NEAR(loss[1], loss[0], 0.05 * loss[0]);
  EXPECT_NEAR(loss[2], loss[0], 0.05 * loss[0]);
}

}  // namespace
}  // namespace n2v

