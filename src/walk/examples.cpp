#include "walk/examples.h"

#include <algorithm>

#include "core/parallel.h"
#include "core/progress.h"
#include "core/rng.h"

namespace n2v {

void walk_skipgrams(const NodeId* walk, std::size_t length, std::size_t vocabulary_size, const ExampleOptions& options,
                    Rng& rng, std::vector<SkipGramPair>& out) {
  const std::size_t first = out.size();
  const std::size_t window = static_cast<std::size_t>(options.window);
  for (std::size_t i = 0; i < length; ++i) {
    if (walk[i] == kReservedToken) continue;
    std::size_t start = i > window ? i - window : 0;
    std::size_t end = std::min(length, i + window + 1);
    for (std::size_t j = start; j < end; ++j) {
      if (j != i && walk[j] != kReservedToken) out.push_back({walk[i], walk[j], true});
    }
  }
  const std::size_t positives = out.size() - first;
  const auto negatives = static_cast<std::size_t>(static_cast<double>(positives) * options.negative_samples);
  if (negatives == 0 || positives == 0 || vocabulary_size < 2) return;
  std::vector<NodeId> words(positives);
  for (std::size_t k = 0; k < positives; ++k) words[k] = out[first + k].target;
  std::shuffle(words.begin(), words.end(), rng);
  for (std::size_t k = 0; k < negatives; ++k) {
    NodeId context = static_cast<NodeId>(1 + rng.below(vocabulary_size - 1));
    out.push_back({words[k % positives], context, false});
  }
}

namespace {

// (min, max, label) packed densely, ((a V + b) << 1) | label, so that sorting groups identical
// examples and the keys use as few bits (radix passes) as the vocabulary needs.
std::uint64_t pack(const SkipGramPair& pair, std::uint64_t vocabulary_size) {
  std::uint64_t a = std::min(pair.target, pair.context), b = std::max(pair.target, pair.context);
  return ((a * vocabulary_size + b) << 1) | (pair.positive ? 1u : 0u);
}

// LSD radix sort, 11 bits a pass, only over the bits that keys below `bound` use.
void radix_sort(std::vector<std::uint64_t>& keys, std::uint64_t bound) {
  constexpr int kBits = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  int bits = 0;
  while (bits < 64 && (bound >> bits) != 0) ++bits;
  std::vector<std::uint64_t> scratch(keys.size());
  for (int shift = 0; shift < bits; shift += kBits) {
    std::vector<std::size_t> count(kBuckets + 1, 0);
    for (std::uint64_t k : keys) ++count[((k >> shift) & (kBuckets - 1)) + 1];
    for (std::size_t b = 1; b <= kBuckets; ++b) count[b] += count[b - 1];
    for (std::uint64_t k : keys) scratch[count[(k >> shift) & (kBuckets - 1)]++] = k;
    keys.swap(scratch);
  }
}

}  // namespace

Examples generate_examples(const Walks& walks, std::size_t vocabulary_size, const ExampleOptions& options,
                           Progress* progress) {
  const std::size_t num_walks = walks.size();
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(num_walks / 256 + 1)));
  std::vector<std::vector<std::uint64_t>> keys(threads);
  std::vector<std::vector<SkipGramPair>> pairs(threads);  // per thread, reused walk after walk
  parallel_chunks(num_walks, 64, threads, [&](std::uint64_t first, std::uint64_t last, int t) {
    for (std::size_t w = first; w < last; ++w) {
      pairs[t].clear();
      Rng rng = Rng::for_item(options.seed, RngStream::Examples, w);
      walk_skipgrams(walks.walk(w), walks.length(w), vocabulary_size, options, rng, pairs[t]);
      for (const auto& pair : pairs[t]) {
        if (pair.target != pair.context) keys[t].push_back(pack(pair, vocabulary_size));
      }
    }
    if (progress) progress->advance(last - first);
  });

  // Identical examples become adjacent after one sort of all keys; their count is the weight.
  std::vector<std::uint64_t> all;
  all.swap(keys[0]);
  for (int t = 1; t < threads; ++t) {
    all.insert(all.end(), keys[t].begin(), keys[t].end());
    std::vector<std::uint64_t>().swap(keys[t]);
  }
  radix_sort(all, static_cast<std::uint64_t>(vocabulary_size) * vocabulary_size * 2);
  Examples examples;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i + 1;
    while (j < all.size() && all[j] == all[i]) ++j;
    std::uint64_t key = all[i];
    examples.targets.push_back(static_cast<std::int64_t>((key >> 1) / vocabulary_size));
    examples.contexts.push_back(static_cast<std::int64_t>((key >> 1) % vocabulary_size));
    examples.labels.push_back(static_cast<float>(key & 1u));
    examples.weights.push_back(static_cast<float>(j - i));
    i = j;
  }
  return examples;
}

}  // namespace n2v
